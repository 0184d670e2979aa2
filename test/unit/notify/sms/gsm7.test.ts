import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeGsm7Unpacked, encodeGsm7Unpacked, gsm7CharSeptets, gsm7Septets } from '../../../../src/notify/sms/gsm7.js';

describe('GSM 7-bit alphabet (3GPP TS 23.038 §6.2.1)', () => {
  test('Latin text, digits and the default alphabet’s symbols take one septet each', () => {
    const text = 'New voice message from +7 495 123-45-67 (0:42) @£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!"#¤%&\'*,./:;<=>?¡ÄÖÑÜ§¿äöñüà\n\r';
    assert.equal(gsm7Septets(text), [...text].length);
  });

  test('extension-table characters count two septets (ESC + code)', () => {
    for (const c of ['€', '[', ']', '{', '}', '\\', '^', '~', '|', '\f']) assert.equal(gsm7CharSeptets(c), 2, c);
    assert.equal(gsm7Septets('Price: 5€ [approx]'), 'Price: 5€ [approx]'.length + 3);
  });

  test('Cyrillic, emoji, ç, ESC itself and typographic quotes are not GSM 7-bit', () => {
    for (const t of ['Привет', 'hi 😀', 'ça', 'a\u001bb', '«quote»', 'a\u00a0b', '`']) assert.equal(gsm7Septets(t), null, t);
  });

  test('encoding is unpacked septets: one per octet, ESC 0x1B before extension codes', () => {
    assert.deepEqual([...encodeGsm7Unpacked('@A€[')], [0x00, 0x41, 0x1b, 0x65, 0x1b, 0x3c]);
    assert.deepEqual([...encodeGsm7Unpacked('$¤')], [0x02, 0x24]);
    assert.throws(() => encodeGsm7Unpacked('Ж'), RangeError);
  });

  test('decode(encode(x)) = x for every character of both tables', () => {
    let all = '';
    for (let cp = 0; cp < 0x2100; cp++) {
      const c = String.fromCodePoint(cp);
      if (gsm7CharSeptets(c) !== null) all += c;
    }
    assert.equal([...all].length, 127 + 10);
    assert.equal(decodeGsm7Unpacked(encodeGsm7Unpacked(all)), all);
  });
});
