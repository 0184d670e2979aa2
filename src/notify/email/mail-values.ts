/**
 * The placeholder values of each mail, from the payload snapshot (never from live rows:
 * a mail sent days later says what was true at the event). README.md lists them.
 */
import type { Language } from '../../voicemail/model.js';
import type { MessageEventPayload, MissedCallPayload } from '../../voicemail/notifications/payload.js';
import { formatCaller, formatDuration, formatZonedTime, oneLine } from './format.js';
import { attachmentNote, causeText, reasonText, type AttachmentState } from './strings.js';

/** Both languages are supported; anything else in a snapshot reads as English. */
export function mailLanguage(language: string): Language {
  return language === 'ru' ? 'ru' : 'en';
}

export function messageValues(payload: MessageEventPayload, attachment: AttachmentState): Record<string, string> {
  const { mailbox, message } = payload;
  const language = mailLanguage(mailbox.language);
  const at = formatZonedTime(message.receivedAt, mailbox.timeZone, language);
  const link = payload.link ?? '';
  return {
    lang: language,
    mailboxId: oneLine(mailbox.id),
    mailboxName: oneLine(mailbox.name === '' ? mailbox.id : mailbox.name),
    caller: formatCaller(message.callerNumber, message.callerName, language),
    callerNumber: oneLine(message.callerNumber ?? ''),
    callerName: oneLine(message.callerName ?? ''),
    calledNumber: oneLine(message.calledNumber ?? '') || '—',
    reason: reasonText(message.reason, language),
    date: at.date,
    time: at.time,
    dateTime: at.dateTime,
    timeZone: at.timeZone,
    duration: formatDuration(message.durationMs),
    link,
    attachmentNote: attachmentNote(attachment, link !== '', language),
    attached: attachment.kind === 'attached' ? 'yes' : '',
    recovered: message.recovered ? 'yes' : '',
    messageId: message.id,
  };
}

export function missedCallValues(payload: MissedCallPayload): Record<string, string> {
  const { mailbox, missedCall } = payload;
  const language = mailLanguage(mailbox.language);
  const at = formatZonedTime(missedCall.at, mailbox.timeZone, language);
  return {
    lang: language,
    mailboxId: oneLine(mailbox.id),
    mailboxName: oneLine(mailbox.name === '' ? mailbox.id : mailbox.name),
    caller: formatCaller(missedCall.callerNumber, missedCall.callerName, language),
    callerNumber: oneLine(missedCall.callerNumber ?? ''),
    callerName: oneLine(missedCall.callerName ?? ''),
    calledNumber: oneLine(missedCall.calledNumber ?? '') || '—',
    reason: reasonText(missedCall.reason, language),
    cause: causeText(missedCall.cause, language),
    date: at.date,
    time: at.time,
    dateTime: at.dateTime,
    timeZone: at.timeZone,
    missedCallId: missedCall.id,
  };
}
