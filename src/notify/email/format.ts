/**
 * How the facts of a notification read in a mail: times in the mailbox's zone, durations
 * as m:ss, sizes, the caller. Pure functions, so the unit tests pin every format.
 */
import type { Language } from '../../voicemail/model.js';

const LOCALE: Record<Language, string> = { ru: 'ru-RU', en: 'en-GB' };

/** 42 400 ms → "0:42", 61 500 ms → "1:02" (rounded to the second, minutes not capped). */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.round(ms / 1000) : 0;
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${String(minutes)}:${String(seconds).padStart(2, '0')}`;
}

export interface ZonedTime {
  /** "5 March 2026" / "5 марта 2026 г." */
  readonly date: string;
  /** "14:02" (24-hour in both languages: the owners are in Russia) */
  readonly time: string;
  /** "5 March 2026, 14:02" */
  readonly dateTime: string;
  /** The zone actually used: the mailbox's, or UTC when that one is not a valid IANA name. */
  readonly timeZone: string;
}

/**
 * An ISO instant shown in `timeZone` (Intl.DateTimeFormat). A zone Intl does not know
 * falls back to UTC (and says so in `timeZone`) rather than failing the delivery; an
 * unparsable instant is shown as given.
 */
export function formatZonedTime(iso: string, timeZone: string, language: Language): ZonedTime {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return { date: iso, time: iso, dateTime: iso, timeZone };
  const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
  const locale = LOCALE[language];
  const date = new Intl.DateTimeFormat(locale, { timeZone: zone, day: 'numeric', month: 'long', year: 'numeric' }).format(at);
  const time = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return { date, time, dateTime: `${date}, ${time}`, timeZone: zone };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** 1 468 006 → "1.4 MB" / "1,4 МБ"; below 1 MiB in KB. Binary units, as mail clients show sizes. */
export function formatSize(bytes: number, language: Language): string {
  const mib = bytes >= 1024 * 1024;
  const value = mib ? bytes / (1024 * 1024) : Math.max(1, Math.ceil(bytes / 1024));
  const number = new Intl.NumberFormat(LOCALE[language], { maximumFractionDigits: 1 }).format(value);
  const unit = language === 'ru' ? (mib ? 'МБ' : 'КБ') : mib ? 'MB' : 'KB';
  return `${number} ${unit}`;
}

const UNKNOWN_CALLER: Record<Language, string> = { ru: 'Номер не определён', en: 'Unknown caller' };

/** "Иван Петров (+74951234567)", the number alone, the name alone, or "Unknown caller". */
export function formatCaller(number: string | null, name: string | null, language: Language): string {
  const n = oneLine(number ?? '');
  const nm = oneLine(name ?? '');
  if (nm !== '' && n !== '' && nm !== n) return `${nm} (${n})`;
  if (n !== '') return n;
  if (nm !== '') return nm;
  return UNKNOWN_CALLER[language];
}

/**
 * `voicemail-20260305-1402-74951234567.wav`: the local date and time of the call and the
 * caller's digits, so attachments saved side by side sort by time and say who called.
 * ASCII only, so that no mail client mangles the name.
 */
export function attachmentFileName(receivedAt: string, timeZone: string, callerNumber: string | null): string {
  const stamp = compactStamp(receivedAt, timeZone);
  const digits = (callerNumber ?? '').replace(/[^0-9]/g, '').slice(0, 32);
  return `voicemail-${stamp}-${digits === '' ? 'unknown' : digits}.wav`;
}

function compactStamp(iso: string, timeZone: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return 'undated';
  const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}${get('month')}${get('day')}-${get('hour')}${get('minute')}`;
}

/** Control characters (CR/LF above all) become spaces: these values go into headers and single lines. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
