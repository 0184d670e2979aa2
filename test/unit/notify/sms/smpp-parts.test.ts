import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { destinationAddress, sourceAddress } from '../../../../src/notify/sms/address.js';
import { isDeliveryReceipt, parseReceipt } from '../../../../src/notify/sms/receipt.js';
import { describeStatus, isPermanentStatus } from '../../../../src/notify/sms/smpp-status.js';
import { parseSmppUrl, redactSmppUrl } from '../../../../src/notify/sms/smpp-url.js';
import { VoxmailError } from '../../../../src/shared/errors.js';

describe('SMPP URL', () => {
  test('system_id, password (percent-decoded), host, port, bind and system_type', () => {
    const e = parseSmppUrl('smpp://vox%40mail:p%3Ass@smsc.example:2776?bind=transmitter&system_type=VMS');
    assert.deepEqual(e, { host: 'smsc.example', port: 2776, systemId: 'vox@mail', password: 'p:ss', bindMode: 'transmitter', systemType: 'VMS' });
    assert.equal(parseSmppUrl('smpp://id:pw@[::1]').port, 2775);
    assert.equal(parseSmppUrl('smpp://id:pw@[::1]').host, '::1');
    assert.equal(redactSmppUrl(e), 'smpp://vox%40mail:***@smsc.example:2776');
  });

  test('errors are VM_SMS_CONFIG and never contain the password', () => {
    for (const url of ['http://id:hunter2@h', 'smpp://:hunter2@h', 'smpp://id:hunter2@h?bind=receiver', 'smpp://id:hunter2@h?x=1', 'not a url hunter2', 'smpp://sixteen_chars_id:hunter2@h']) {
      assert.throws(
        () => parseSmppUrl(url),
        (e: unknown) => e instanceof VoxmailError && e.code === 'VM_SMS_CONFIG' && !e.message.includes('hunter2'),
        url,
      );
    }
  });
});

describe('SMPP addresses (SMPP 3.4 §5.2.5–5.2.6)', () => {
  test('+E.164 is international/ISDN without the plus; other numbers unknown/ISDN', () => {
    assert.deepEqual(destinationAddress('+79161234567'), { ton: 1, npi: 1, addr: '79161234567' });
    assert.deepEqual(destinationAddress('89161234567'), { ton: 0, npi: 1, addr: '89161234567' });
  });

  test('source: empty, number, or alphanumeric of at most 11 characters', () => {
    assert.deepEqual(sourceAddress(undefined), { ok: true, value: { ton: 0, npi: 0, addr: '' } });
    assert.deepEqual(sourceAddress('+74951110000'), { ok: true, value: { ton: 1, npi: 1, addr: '74951110000' } });
    assert.deepEqual(sourceAddress('Voxmail'), { ok: true, value: { ton: 5, npi: 0, addr: 'Voxmail' } });
    assert.equal(sourceAddress('TwelveCharsX').ok, false);
    assert.equal(sourceAddress('Голосовая').ok, false);
  });
});

describe('command_status', () => {
  test('invalid destination/source are permanent; throttling, system and bind errors are retried', () => {
    for (const s of [0x0a, 0x0b, 0x48, 0x49, 0x50, 0x51, 0x43]) assert.equal(isPermanentStatus(s), true, describeStatus(s));
    for (const s of [0x08, 0x0d, 0x0e, 0x0f, 0x14, 0x45, 0x58, 0xff, 0x400, 0x0555]) assert.equal(isPermanentStatus(s), false, describeStatus(s));
  });

  test('names with hex and meaning', () => {
    assert.equal(describeStatus(0x0b), 'ESME_RINVDSTADR (0x0000000B, invalid destination address)');
    assert.equal(describeStatus(0x58), 'ESME_RTHROTTLED (0x00000058, throttling error: too many messages)');
    assert.equal(describeStatus(0x401), '0x00000401 (SMSC vendor-specific error)');
  });
});

describe('delivery receipts (SMPP 3.4 §5.2.12, Appendix B)', () => {
  test('esm_class message type 0001 is a receipt, whatever the other bits', () => {
    assert.equal(isDeliveryReceipt(0x04), true);
    assert.equal(isDeliveryReceipt(0x44), true);
    assert.equal(isDeliveryReceipt(0x00), false);
    assert.equal(isDeliveryReceipt(0x08), false);
  });

  test('from the Appendix B text alone', () => {
    const r = parseReceipt({ sourceAddr: '79161234567', text: 'id:0123456789 sub:001 dlvrd:001 submit date:2511261402 done date:2511261403 stat:DELIVRD err:000 text:Новое' });
    assert.deepEqual(r, { messageId: '0123456789', state: 'delivered', final: true, errorCode: null, recipient: '79161234567', doneDate: '2511261403' });
    const u = parseReceipt({ sourceAddr: '7916', text: 'id:abc sub:001 dlvrd:000 submit date:2511261402 done date:2511261403 stat:UNDELIV err:069' });
    assert.equal(u?.state, 'undeliverable');
    assert.equal(u?.errorCode, '069');
    assert.equal(parseReceipt({ sourceAddr: '7916', text: 'id:abc stat:ENROUTE' })?.final, false);
  });

  test('the TLVs win over the text; no id at all is no receipt', () => {
    const r = parseReceipt({ sourceAddr: '7916', text: 'id:textid stat:UNDELIV', receiptedMessageId: 'tlvid', messageState: 2 });
    assert.equal(r?.messageId, 'tlvid');
    assert.equal(r?.state, 'delivered');
    assert.equal(parseReceipt({ sourceAddr: '7916', text: 'hello' }), null);
  });
});
