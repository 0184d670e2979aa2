/**
 * The templates every tenant gets unless it overrides them (see templates.ts for the
 * syntax and README.md for the placeholders). They are written in the same syntax as
 * the overrides, so an admin can start from a copy of these.
 */
import type { Language } from '../../voicemail/model.js';
import type { TemplateKind, TemplatePart } from './templates.js';

type TemplateSet = Readonly<Record<TemplatePart, string>>;

const HTML_HEAD = '<!DOCTYPE html>\n<html lang="{{lang}}">\n<head><meta charset="utf-8"><title>{{subject}}</title></head>\n';
const CELL = 'style="padding:2px 12px 2px 0;color:#555;vertical-align:top"';

const MESSAGE_EN: TemplateSet = {
  subject: 'Voice message from {{caller}} ({{duration}})',
  text: `New voice message in mailbox {{mailboxName}}

From:      {{caller}}
Called:    {{calledNumber}}
Reason:    {{reason}}
Time:      {{dateTime}} ({{timeZone}})
Duration:  {{duration}}
{{#link}}Listen:    {{link}}
{{/link}}{{#recovered}}
The recording was restored after an interruption and may be incomplete.
{{/recovered}}{{#attachmentNote}}
{{attachmentNote}}
{{/attachmentNote}}`,
  html: `${HTML_HEAD}<body style="font-family:sans-serif">
<p>New voice message in mailbox <b>{{mailboxName}}</b></p>
<table>
<tr><td ${CELL}>From</td><td><b>{{caller}}</b></td></tr>
<tr><td ${CELL}>Called</td><td>{{calledNumber}}</td></tr>
<tr><td ${CELL}>Reason</td><td>{{reason}}</td></tr>
<tr><td ${CELL}>Time</td><td>{{dateTime}} ({{timeZone}})</td></tr>
<tr><td ${CELL}>Duration</td><td>{{duration}}</td></tr>
</table>
{{#link}}<p><a href="{{link}}">Listen in the web inbox</a></p>
{{/link}}{{#recovered}}<p>The recording was restored after an interruption and may be incomplete.</p>
{{/recovered}}{{#attachmentNote}}<p>{{attachmentNote}}</p>
{{/attachmentNote}}</body>
</html>
`,
};

const MESSAGE_RU: TemplateSet = {
  subject: 'Голосовое сообщение: {{caller}} ({{duration}})',
  text: `Новое голосовое сообщение в ящике {{mailboxName}}

От:               {{caller}}
Набранный номер:  {{calledNumber}}
Причина:          {{reason}}
Время:            {{dateTime}} ({{timeZone}})
Длительность:     {{duration}}
{{#link}}Прослушать:       {{link}}
{{/link}}{{#recovered}}
Запись восстановлена после сбоя и может быть неполной.
{{/recovered}}{{#attachmentNote}}
{{attachmentNote}}
{{/attachmentNote}}`,
  html: `${HTML_HEAD}<body style="font-family:sans-serif">
<p>Новое голосовое сообщение в ящике <b>{{mailboxName}}</b></p>
<table>
<tr><td ${CELL}>От</td><td><b>{{caller}}</b></td></tr>
<tr><td ${CELL}>Набранный номер</td><td>{{calledNumber}}</td></tr>
<tr><td ${CELL}>Причина</td><td>{{reason}}</td></tr>
<tr><td ${CELL}>Время</td><td>{{dateTime}} ({{timeZone}})</td></tr>
<tr><td ${CELL}>Длительность</td><td>{{duration}}</td></tr>
</table>
{{#link}}<p><a href="{{link}}">Прослушать в веб-интерфейсе</a></p>
{{/link}}{{#recovered}}<p>Запись восстановлена после сбоя и может быть неполной.</p>
{{/recovered}}{{#attachmentNote}}<p>{{attachmentNote}}</p>
{{/attachmentNote}}</body>
</html>
`,
};

const MISSED_EN: TemplateSet = {
  subject: 'Missed call from {{caller}} at {{time}}',
  text: `{{caller}} tried to reach you at {{time}} and left no message.

Called:   {{calledNumber}}
Time:     {{dateTime}} ({{timeZone}})
Why:      {{cause}}
Mailbox:  {{mailboxName}}
`,
  html: `${HTML_HEAD}<body style="font-family:sans-serif">
<p><b>{{caller}}</b> tried to reach you at {{time}} and left no message.</p>
<table>
<tr><td ${CELL}>Called</td><td>{{calledNumber}}</td></tr>
<tr><td ${CELL}>Time</td><td>{{dateTime}} ({{timeZone}})</td></tr>
<tr><td ${CELL}>Why</td><td>{{cause}}</td></tr>
<tr><td ${CELL}>Mailbox</td><td>{{mailboxName}}</td></tr>
</table>
</body>
</html>
`,
};

const MISSED_RU: TemplateSet = {
  subject: 'Пропущенный вызов: {{caller}}, {{time}}',
  text: `Вам звонили в {{time}}: {{caller}}. Сообщение не оставлено.

Набранный номер:  {{calledNumber}}
Время:            {{dateTime}} ({{timeZone}})
Почему:           {{cause}}
Ящик:             {{mailboxName}}
`,
  html: `${HTML_HEAD}<body style="font-family:sans-serif">
<p>Вам звонили в {{time}}: <b>{{caller}}</b>. Сообщение не оставлено.</p>
<table>
<tr><td ${CELL}>Набранный номер</td><td>{{calledNumber}}</td></tr>
<tr><td ${CELL}>Время</td><td>{{dateTime}} ({{timeZone}})</td></tr>
<tr><td ${CELL}>Почему</td><td>{{cause}}</td></tr>
<tr><td ${CELL}>Ящик</td><td>{{mailboxName}}</td></tr>
</table>
</body>
</html>
`,
};

export const BUILTIN_TEMPLATES: Readonly<Record<TemplateKind, Readonly<Record<Language, TemplateSet>>>> = {
  'message.created': { en: MESSAGE_EN, ru: MESSAGE_RU },
  missed_call: { en: MISSED_EN, ru: MISSED_RU },
};
