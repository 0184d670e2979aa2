/** Which answers mean "delivered", "try later" or "give up now" (docs/webhooks.md, Retries). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyStatus } from '../../../../src/notify/webhook/index.js';

test('HTTP status classes', () => {
  const table: [number, ReturnType<typeof classifyStatus>][] = [
    [200, 'ok'],
    [201, 'ok'],
    [202, 'ok'],
    [204, 'ok'],
    [299, 'ok'],
    [301, 'redirect'],
    [302, 'redirect'],
    [303, 'redirect'],
    [307, 'redirect'],
    [308, 'redirect'],
    [304, 'redirect'],
    [400, 'permanent'],
    [401, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [405, 'permanent'],
    [410, 'permanent'],
    [413, 'permanent'],
    [422, 'permanent'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [599, 'retry'],
    [100, 'retry'],
    [600, 'retry'],
  ];
  for (const [status, expected] of table) assert.equal(classifyStatus(status), expected, String(status));
});
