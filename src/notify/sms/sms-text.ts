/**
 * The texts of the SMS notifications, in the mailbox's language:
 * - message.created: "New voice message from +7 495 123-45-67 (0:42)";
 * - missed_call: "+7 495 123-45-67 tried to reach you at 14:02 and left no message",
 *   the time in the mailbox's time zone (with the date when it is not today there).
 *
 * Confidentiality (issue 5): an SMS can be read on a lock screen and is stored by the
 * operator, so it carries only these facts — never a link with a token, the audio, or
 * the mailbox's name. The caller's number and name come from SIP headers the caller
 * controls, so they are shown only when they look like a number and a person's name:
 * an SMS from the company's own sender must not become a carrier for a caller's URL or
 * a fake call-back number.
 */
import type { Language } from '../../voicemail/model.js';
import type { NotificationPayload } from '../../voicemail/notifications/payload.js';
import { err, ok, type Result } from '../../shared/result.js';

/** Longest caller name shown, in characters; longer names are left out. */
export const MAX_NAME_LENGTH = 24;

const PRIVACY_NAMES = new Set(['anonymous', 'unknown', 'unavailable', 'restricted', 'private', 'аноним', 'неизвестно']);

/** The caller's number as shown, or null when there is none or it is not a plain number. */
export function displayNumber(raw: string | null): string | null {
  if (raw === null) return null;
  const compact = raw.replace(/[\s\-().]/g, '');
  if (!/^\+?[0-9]{2,20}$/.test(compact)) return null;
  // Russian numbers the way they are written there: +7 495 123-45-67.
  const ru = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(compact);
  if (ru) return `+7 ${ru[1] ?? ''} ${ru[2] ?? ''}-${ru[3] ?? ''}-${ru[4] ?? ''}`;
  return compact;
}

/** The caller's name when short and made of letters only (no digits, URLs or symbols), else null. */
export function displayName(raw: string | null): string | null {
  if (raw === null) return null;
  const name = raw.replace(/\s+/g, ' ').trim();
  if (name === '' || [...name].length > MAX_NAME_LENGTH) return null;
  if (!/^\p{L}[\p{L}\p{M} .'’-]*$/u.test(name)) return null;
  if (PRIVACY_NAMES.has(name.toLowerCase())) return null;
  return name;
}

/** m:ss (h:mm:ss from an hour), rounded to the second. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${String(h)}:${String(m).padStart(2, '0')}:${s}` : `${String(m)}:${s}`;
}

interface LocalParts {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
  readonly minute: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localParts(date: Date, timeZone: string): LocalParts {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

function zoneOrUtc(timeZone: string): { zone: string; suffix: string } {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return { zone: timeZone, suffix: '' };
  } catch {
    // A zone this runtime does not know (the store validated it, so rare): say it is UTC.
    return { zone: 'UTC', suffix: ' UTC' };
  }
}

const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * "at 14:02" / «в 14:02» in the mailbox's zone; the date is added when the SMS goes out on
 * another local day (an SMSC that was down for hours), the year when in another year.
 */
export function formatWhen(iso: string, timeZone: string, language: Language, now: Date): string {
  const { zone, suffix } = zoneOrUtc(timeZone);
  const at = localParts(new Date(iso), zone);
  const today = localParts(now, zone);
  const time = `${at.hour}:${at.minute}${suffix}`;
  const sameDay = at.year === today.year && at.month === today.month && at.day === today.day;
  const sameYear = at.year === today.year;
  if (language === 'ru') {
    if (sameDay) return `в ${time}`;
    return `${at.day}.${at.month}${sameYear ? '' : `.${at.year}`} в ${time}`;
  }
  if (sameDay) return `at ${time}`;
  const month = EN_MONTHS[Number(at.month) - 1] ?? at.month;
  return `at ${time} on ${String(Number(at.day))} ${month}${sameYear ? '' : ` ${at.year}`}`;
}

function messageCreated(language: Language, number: string | null, name: string | null, durationMs: number): string {
  const duration = formatDuration(durationMs);
  if (language === 'ru') {
    const who = number !== null ? (name !== null ? `${number}, ${name}` : number) : name !== null ? `абонента ${name}` : 'неизвестного номера';
    return `Новое голосовое сообщение от ${who} (${duration})`;
  }
  const who = number !== null ? (name !== null ? `${number}, ${name}` : number) : (name ?? 'unknown number');
  return `New voice message from ${who} (${duration})`;
}

function missedCall(language: Language, number: string | null, name: string | null, when: string): string {
  const who = number !== null ? (name !== null ? `${number} (${name})` : number) : name;
  if (language === 'ru') {
    if (who === null) return `Абонент с неизвестным номером звонил вам ${when} и не оставил сообщения`;
    return `${who} звонил(а) вам ${when} и не оставил(а) сообщения`;
  }
  return `${who ?? 'Someone from an unknown number'} tried to reach you ${when} and left no message`;
}

/**
 * The SMS for a notification, or why there is none: only message.created and missed_call
 * are sent by SMS (the outbox should not queue others; if it does, they fail for good).
 */
export function smsText(payload: NotificationPayload, now: Date): Result<string, string> {
  switch (payload.kind) {
    case 'message': {
      if (payload.event !== 'message.created') return err(`${payload.event} is not sent by SMS`);
      const m = payload.message;
      return ok(messageCreated(payload.mailbox.language, displayNumber(m.callerNumber), displayName(m.callerName), m.durationMs));
    }
    case 'missed_call': {
      const c = payload.missedCall;
      const when = formatWhen(c.at, payload.mailbox.timeZone, payload.mailbox.language, now);
      return ok(missedCall(payload.mailbox.language, displayNumber(c.callerNumber), displayName(c.callerName), when));
    }
    case 'notification.failed':
    case 'mwi':
      return err(`${payload.event} is not sent by SMS`);
  }
}
