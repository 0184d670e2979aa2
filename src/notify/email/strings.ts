/**
 * The words of the mails that are not in the templates: reasons, missed-call causes and
 * the sentence about the recording. Kept apart from the templates so that a tenant's
 * override gets them ready-made as placeholders and never has to translate them.
 */
import type { DiversionReason, Language, MissedCallCause } from '../../voicemail/model.js';
import { formatSize } from './format.js';

const REASONS: Record<DiversionReason, Record<Language, string>> = {
  busy: { en: 'the line was busy', ru: 'линия была занята' },
  'no-answer': { en: 'no answer', ru: 'нет ответа' },
  unavailable: { en: 'not reachable', ru: 'абонент недоступен' },
  unconditional: { en: 'all calls forwarded', ru: 'безусловная переадресация' },
  'time-of-day': { en: 'outside working hours', ru: 'нерабочее время' },
  'do-not-disturb': { en: 'do not disturb', ru: 'режим «не беспокоить»' },
  deflection: { en: 'call deflected', ru: 'вызов перенаправлен' },
  unknown: { en: 'not given', ru: 'не указана' },
};

const CAUSES: Record<MissedCallCause, Record<Language, string>> = {
  'too-short': { en: 'the message was too short to keep', ru: 'сообщение слишком короткое' },
  'hangup-before-beep': { en: 'the caller hung up before the tone', ru: 'звонивший положил трубку до сигнала' },
  'mailbox-full': { en: 'the mailbox is full', ru: 'ящик переполнен' },
  'call-later': { en: 'the caller was asked to call later', ru: 'звонившему предложено перезвонить позже' },
  'recording-failed': { en: 'the recording failed', ru: 'запись не удалась' },
};

/** Why the call came to voicemail, in words; unknown values read as "not given". */
export function reasonText(reason: DiversionReason, language: Language): string {
  return (REASONS[reason] ?? REASONS.unknown)[language];
}

/** Why no message was left, in words. */
export function causeText(cause: MissedCallCause, language: Language): string {
  return CAUSES[cause]?.[language] ?? cause;
}

/** What the mail carries of the recording; see audio-attachment.ts. */
export type AttachmentState =
  | { readonly kind: 'attached'; readonly fileName: string; readonly sizeBytes: number; readonly deleteAfter: boolean }
  | { readonly kind: 'not-requested' }
  | { readonly kind: 'too-large'; readonly sizeBytes: number }
  | { readonly kind: 'gone' };

/**
 * The sentence about the recording. "Too large" points to the link (shown above it in
 * every built-in template) or, without one, says the message stays in the box; empty
 * when the owner chose notification only.
 */
export function attachmentNote(state: AttachmentState, hasLink: boolean, language: Language): string {
  const ru = language === 'ru';
  switch (state.kind) {
    case 'attached':
      if (state.deleteAfter) {
        return ru
          ? `Запись во вложении (${state.fileName}); из ящика она удаляется после отправки этого письма.`
          : `The recording is attached (${state.fileName}); it is removed from the mailbox once this e-mail is sent.`;
      }
      return ru ? `Запись во вложении (${state.fileName}).` : `The recording is attached (${state.fileName}).`;
    case 'not-requested':
      return '';
    case 'too-large': {
      const size = formatSize(state.sizeBytes, language);
      if (ru) {
        return `Запись (${size}) слишком велика для вложения. ${hasLink ? 'Прослушать её можно по ссылке выше.' : 'Она сохранена в вашем ящике.'}`;
      }
      return `The recording (${size}) is too large to attach. ${hasLink ? 'Listen to it using the link above.' : 'It stays in your mailbox.'}`;
    }
    case 'gone':
      return ru ? 'Запись больше недоступна: сообщение уже удалено.' : 'The recording is no longer available: the message has been deleted.';
  }
}
