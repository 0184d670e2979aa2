import { describe, expect, it } from 'vitest';
import type { Mailbox } from '../api/types.js';
import { draftOf, patchOf } from './settings.js';

const greeting = { mode: 'leave-message' as const, custom: false };
const box: Mailbox = {
  id: '100', tenantId: 'demo', name: 'Sales', language: 'ru', timeZone: 'Europe/Moscow', numbers: ['+74951234567'],
  greetings: { busy: greeting, 'no-answer': greeting, unavailable: greeting, unconditional: greeting, default: greeting },
  warningMode: 'standard', customWarning: false, maxMessageMs: 120_000, minMessageMs: 1000, silenceTimeoutMs: 5000,
  retentionDays: 14, savedRetentionDays: 90, quotaMessages: 100, operatorUri: null, pinSet: true, emails: ['a@x.ru'],
  emailAction: 'notify', smsNumber: null, mwiUris: [], createdAt: '', updatedAt: '',
};

describe('settings patch', () => {
  it('is empty when nothing changed', () => {
    expect(patchOf(box, draftOf(box), true)).toEqual({ ok: true, patch: {} });
  });
  it('sends only what changed', () => {
    const d = { ...draftOf(box), maxSec: 300, emails: 'a@x.ru, b@x.ru', smsNumber: ' +79001234567 ', modes: { ...draftOf(box).modes, busy: 'call-later' as const } };
    expect(patchOf(box, d, false)).toEqual({
      ok: true,
      patch: { maxMessageMs: 300_000, emails: ['a@x.ru', 'b@x.ru'], smsNumber: '+79001234567', greetings: { busy: { mode: 'call-later' } } },
    });
  });
  it('sends numbers for admins only, and checks the PIN', () => {
    const d = { ...draftOf(box), numbers: '+74951234567, 101' };
    expect(patchOf(box, d, false)).toEqual({ ok: true, patch: {} });
    expect(patchOf(box, d, true)).toEqual({ ok: true, patch: { numbers: ['+74951234567', '101'] } });
    expect(patchOf(box, { ...draftOf(box), pin: '12a4' }, false)).toEqual({ ok: false, problem: 'pin' });
    expect(patchOf(box, { ...draftOf(box), pin: '1234' }, false)).toEqual({ ok: true, patch: { pin: '1234' } });
    expect(patchOf(box, { ...draftOf(box), removePin: true }, false)).toEqual({ ok: true, patch: { pin: null } });
  });
  it('refuses a custom warning mode until a custom warning exists', () => {
    const d = { ...draftOf(box), warningMode: 'custom' as const };
    expect(patchOf(box, d, false)).toEqual({ ok: false, problem: 'warning' });
    expect(patchOf({ ...box, customWarning: true }, d, false)).toEqual({ ok: true, patch: { warningMode: 'custom' } });
  });
});
