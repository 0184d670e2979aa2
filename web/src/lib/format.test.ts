import { describe, expect, it } from 'vitest';
import { dayNumber, formatDuration, formatFull, formatSeconds, formatWhen, safeTimeZone, splitList } from './format.js';

describe('formatDuration', () => {
  it('writes m:ss, h:mm:ss past an hour, rounding to the second', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(7_400)).toBe('0:07');
    expect(formatDuration(7_600)).toBe('0:08');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(600_000)).toBe('10:00');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
  });
  it('never shows negative or NaN', () => {
    expect(formatDuration(-5)).toBe('0:00');
    expect(formatDuration(Number.NaN)).toBe('0:00');
  });
  it('formats slider seconds', () => {
    expect(formatSeconds(10)).toBe('0:10');
    expect(formatSeconds(90)).toBe('1:30');
    expect(formatSeconds(600)).toBe('10:00');
  });
});

describe('formatWhen', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  it('says today / yesterday with the time in the mailbox zone', () => {
    expect(formatWhen('2026-03-10T06:12:00Z', now, 'Europe/Moscow', 'en')).toBe('today 09:12');
    expect(formatWhen('2026-03-10T06:12:00Z', now, 'Europe/Moscow', 'ru')).toBe('сегодня 09:12');
    expect(formatWhen('2026-03-09T15:03:00Z', now, 'Europe/Moscow', 'en')).toBe('yesterday 18:03');
    expect(formatWhen('2026-03-09T15:03:00Z', now, 'Europe/Moscow', 'ru')).toBe('вчера 18:03');
  });
  it('uses the zone to decide the day: 22:30 UTC is already tomorrow in Moscow', () => {
    const late = new Date('2026-03-10T22:30:00Z');
    expect(formatWhen('2026-03-10T12:00:00Z', late, 'Europe/Moscow', 'en')).toBe('yesterday 15:00');
    expect(formatWhen('2026-03-10T12:00:00Z', late, 'UTC', 'en')).toBe('today 12:00');
  });
  it('gives day and month this year, and the year for older messages', () => {
    expect(formatWhen('2026-01-12T06:12:00Z', now, 'UTC', 'en')).toBe('12 Jan 06:12');
    expect(formatWhen('2025-01-12T06:12:00Z', now, 'UTC', 'en')).toBe('12 Jan 2025');
    expect(formatWhen('2026-01-12T06:12:00Z', now, 'UTC', 'ru')).toMatch(/^12 янв 06:12$/);
  });
  it('survives a bad zone and a bad time', () => {
    expect(formatWhen('2026-03-10T06:12:00Z', now, 'Mars/Olympus', 'en')).toBe('today 06:12');
    expect(safeTimeZone('Mars/Olympus')).toBe('UTC');
    expect(formatWhen('not a time', now, 'UTC', 'en')).toBe('');
    expect(formatFull('2026-03-10T06:12:00Z', 'Europe/Moscow', 'en')).toContain('(Europe/Moscow)');
  });
  it('counts calendar days', () => {
    expect(dayNumber(new Date('1970-01-02T00:00:00Z'), 'UTC')).toBe(1);
  });
});

describe('splitList', () => {
  it('splits on commas, spaces, semicolons and newlines, without empties or duplicates', () => {
    expect(splitList(' a@x.ru, b@x.ru;a@x.ru\n c@x.ru ,, ')).toEqual(['a@x.ru', 'b@x.ru', 'c@x.ru']);
    expect(splitList('')).toEqual([]);
  });
});
