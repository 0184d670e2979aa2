import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeGsm7Unpacked } from '../../../../src/notify/sms/gsm7.js';
import { chooseCoding, decodeUcs2, segmentSms, splitSmsText, type SegmentedSms } from '../../../../src/notify/sms/segments.js';

function segment(text: string, ref = 7): SegmentedSms {
  const r = segmentSms(text, ref);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

/** What a phone shows: each part decoded on its own (UDH stripped), joined. */
function reassemble(sms: SegmentedSms): string {
  return sms.parts
    .map((p) => {
      const body = p.shortMessage.subarray(p.udh?.length ?? 0);
      return sms.coding === 'ucs2' ? decodeUcs2(body) : decodeGsm7Unpacked(body);
    })
    .join('');
}

const CYR = 'абвгдежзийклмнопрстуфхцчшщъыьэюя';
function cyrillic(n: number): string {
  return Array.from({ length: n }, (_, i) => CYR[i % CYR.length]).join('');
}

describe('segmentation (3GPP TS 23.040 §9.2.3.24.1)', () => {
  test('GSM 7-bit: 160 septets is one SMS without UDH; 161 is two parts of 153 + 8', () => {
    const one = segment('a'.repeat(160));
    assert.equal(one.coding, 'gsm7');
    assert.equal(one.dataCoding, 0x00);
    assert.equal(one.esmClass, 0x00);
    assert.equal(one.parts.length, 1);
    assert.equal(one.parts[0]!.udh, null);
    assert.equal(one.parts[0]!.shortMessage.length, 160);
    const two = segment('a'.repeat(161));
    assert.deepEqual(two.parts.map((p) => p.text.length), [153, 8]);
    assert.equal(two.esmClass, 0x40);
  });

  test('GSM 7-bit: an extension character costs two septets and its ESC is never split from it', () => {
    assert.equal(segment('€'.repeat(80)).parts.length, 1); // 160 septets
    assert.equal(segment('€'.repeat(81)).parts.length, 2);
    // 152 septets, then "€" (2) would straddle the 153 boundary: it opens part 2.
    const sms = segment('a'.repeat(152) + '€' + 'b'.repeat(10));
    assert.deepEqual(sms.parts.map((p) => p.text), ['a'.repeat(152), '€' + 'b'.repeat(10)]);
    assert.equal(sms.parts[0]!.shortMessage.length, 6 + 152);
    assert.equal(reassemble(sms), 'a'.repeat(152) + '€' + 'b'.repeat(10));
  });

  test('UCS-2 Cyrillic: exactly 70 characters is one SMS of 140 octets', () => {
    const sms = segment(cyrillic(70));
    assert.equal(sms.coding, 'ucs2');
    assert.equal(sms.dataCoding, 0x08);
    assert.equal(sms.parts.length, 1);
    assert.equal(sms.parts[0]!.shortMessage.length, 140);
    assert.deepEqual([...sms.parts[0]!.shortMessage.subarray(0, 2)], [0x04, 0x30]); // "а" U+0430, big-endian
  });

  test('UCS-2 Cyrillic: 71 characters are 67 + 4; 134 fill two parts; 135 need three', () => {
    assert.deepEqual(segment(cyrillic(71)).parts.map((p) => p.text.length), [67, 4]);
    assert.deepEqual(segment(cyrillic(134)).parts.map((p) => p.text.length), [67, 67]);
    assert.deepEqual(segment(cyrillic(135)).parts.map((p) => p.text.length), [67, 67, 1]);
    for (const p of segment(cyrillic(134)).parts) assert.equal(p.shortMessage.length, 140); // 6 UDH + 134
  });

  test('the UDH is 05 00 03 ref total seq, with the same reference in every part', () => {
    const sms = segment(cyrillic(150), 0xab);
    assert.deepEqual(
      sms.parts.map((p) => [...p.udh!]),
      [
        [0x05, 0x00, 0x03, 0xab, 3, 1],
        [0x05, 0x00, 0x03, 0xab, 3, 2],
        [0x05, 0x00, 0x03, 0xab, 3, 3],
      ],
    );
    assert.equal(reassemble(sms), cyrillic(150));
  });

  test('an emoji (surrogate pair) that would straddle unit 67 moves whole into the next part', () => {
    const text = cyrillic(66) + '😀' + cyrillic(10);
    const sms = segment(text);
    assert.equal(sms.parts[0]!.text, cyrillic(66));
    assert.equal(sms.parts[1]!.text, '😀' + cyrillic(10));
    for (const p of sms.parts) {
      const body = p.shortMessage.subarray(6);
      // No part ends with a high surrogate or starts with a low one.
      assert.ok(!(body.readUInt16BE(body.length - 2) >= 0xd800 && body.readUInt16BE(body.length - 2) <= 0xdbff));
      assert.ok(!(body.readUInt16BE(0) >= 0xdc00 && body.readUInt16BE(0) <= 0xdfff));
    }
    assert.equal(reassemble(sms), text);
  });

  test('emoji count two UCS-2 units: 35 emoji fit one SMS, 36 do not', () => {
    assert.equal(segment('😀'.repeat(35)).parts.length, 1);
    const sms = segment('😀'.repeat(36));
    assert.deepEqual(sms.parts.map((p) => [...p.text].length), [33, 3]); // 66 units: the 34th would need 68
    assert.equal(reassemble(sms), '😀'.repeat(36));
  });

  test('one non-GSM character switches the whole text to UCS-2', () => {
    assert.equal(chooseCoding('Hello'), 'gsm7');
    assert.equal(chooseCoding('Hello, Иван'), 'ucs2');
    assert.equal(segment('a'.repeat(69) + 'ж').parts.length, 1);
    assert.equal(segment('a'.repeat(70) + 'ж').parts.length, 2);
  });

  test('empty text is one empty SMS; more than 255 parts and a bad reference are refused', () => {
    assert.deepEqual(splitSmsText('', 'gsm7'), ['']);
    assert.equal(segment('').parts[0]!.shortMessage.length, 0);
    assert.equal(segmentSms('a'.repeat(153 * 255), 1).ok, true);
    assert.equal(segmentSms('a'.repeat(153 * 255 + 1), 1).ok, false);
    assert.equal(segmentSms('a', 256).ok, false);
  });
});
