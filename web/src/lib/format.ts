/**
 * Pure formatting: durations (m:ss) and message times "like SMS" — "today 09:12",
 * "yesterday 18:03", "12 Jan 09:12", "12 Jan 2025" — in the mailbox's time zone.
 */
import type { Language } from '../api/types.js';

/** 7_400 → "0:07", 65_000 → "1:05", 3_723_000 → "1:02:03". Rounds to the nearest second. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round((Number.isFinite(ms) ? ms : 0) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${String(h)}:${String(m).padStart(2, '0')}:${ss}` : `${String(m)}:${ss}`;
}

/** A time zone Intl accepts, else UTC (a mailbox with a zone this browser does not know still shows times). */
export function safeTimeZone(tz: string | undefined): string {
  if (!tz) return 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    return 'UTC';
  }
}

/** The calendar day of an instant in a zone, as days since 1970-01-01 (for "today"/"yesterday"). */
export function dayNumber(date: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Math.round(Date.UTC(get('year'), get('month') - 1, get('day')) / 86_400_000);
}

const WORDS: Record<Language, { today: string; yesterday: string }> = {
  en: { today: 'today', yesterday: 'yesterday' },
  ru: { today: 'сегодня', yesterday: 'вчера' },
};

const locale = (lang: Language): string => (lang === 'ru' ? 'ru-RU' : 'en-GB');

/** The short, relative time of a message row. */
export function formatWhen(iso: string, now: Date, timeZone: string | undefined, lang: Language): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const tz = safeTimeZone(timeZone);
  const time = new Intl.DateTimeFormat(locale(lang), { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
  const diff = dayNumber(now, tz) - dayNumber(date, tz);
  if (diff === 0) return `${WORDS[lang].today} ${time}`;
  if (diff === 1) return `${WORDS[lang].yesterday} ${time}`;
  const sameYear = new Intl.DateTimeFormat('en', { timeZone: tz, year: 'numeric' }).format(date) === new Intl.DateTimeFormat('en', { timeZone: tz, year: 'numeric' }).format(now);
  const day = new Intl.DateTimeFormat(locale(lang), { timeZone: tz, day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) })
    .format(date)
    .replace(/\.$/, '');
  return sameYear && diff < 300 ? `${day} ${time}` : day;
}

/** The full time, for a tooltip and screen readers: "12 January 2026, 09:12 (Europe/Moscow)". */
export function formatFull(iso: string, timeZone: string | undefined, lang: Language): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const tz = safeTimeZone(timeZone);
  const s = new Intl.DateTimeFormat(locale(lang), { timeZone: tz, dateStyle: 'long', timeStyle: 'short' }).format(date);
  return `${s} (${tz})`;
}

/** Seconds for the max-length slider: 90 → "1:30". */
export function formatSeconds(seconds: number): string {
  return formatDuration(seconds * 1000);
}

/** Splits a comma/space/newline separated list of addresses or ids, dropping empties and duplicates. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter((s) => s.length > 0))];
}
