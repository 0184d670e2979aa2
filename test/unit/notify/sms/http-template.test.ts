import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { providerIdFrom } from '../../../../src/notify/sms/http-provider-id.js';
import { bodyEncoding, expandBody, expandUrl, unknownPlaceholders, type TemplateValues } from '../../../../src/notify/sms/http-template.js';

const values: TemplateValues = { to: '+79161234567', msisdn: '79161234567', text: 'Привет & "hi"\nline=2', from: 'Voxmail', id: 'n1' };

describe('HTTP gateway templates', () => {
  test('URL placeholders are percent-encoded, so "&" and "=" in the text stay inside the parameter', () => {
    const url = expandUrl('https://gw.example/send?to={to}&text={text}&sender={from}', values);
    const u = new URL(url);
    assert.equal(u.searchParams.get('to'), '+79161234567');
    assert.equal(u.searchParams.get('text'), values.text);
    assert.equal(u.searchParams.get('sender'), 'Voxmail');
    assert.equal([...u.searchParams.keys()].length, 3);
  });

  test('a JSON body gets JSON-string-escaped values and parses back to the exact text', () => {
    const body = expandBody('{"phone":"{msisdn}","message":"{text}","ref":"{id}"}', values, 'json');
    assert.deepEqual(JSON.parse(body), { phone: '79161234567', message: values.text, ref: 'n1' });
  });

  test('a form body is percent-encoded; a raw body is as-is', () => {
    const form = new URLSearchParams(expandBody('to={to}&text={text}', values, 'form'));
    assert.equal(form.get('text'), values.text);
    assert.equal(expandBody('{to}: {text}', values, 'raw'), `+79161234567: ${values.text}`);
  });

  test('content types choose the escaping; unknown placeholders are reported', () => {
    assert.equal(bodyEncoding('application/json; charset=utf-8'), 'json');
    assert.equal(bodyEncoding('application/vnd.api+json'), 'json');
    assert.equal(bodyEncoding('application/x-www-form-urlencoded'), 'form');
    assert.equal(bodyEncoding('text/plain'), 'raw');
    assert.deepEqual(unknownPlaceholders('https://x/?to={to}&msg={message}&k={api_key}'), ['message', 'api_key']);
  });

  test('provider id: header, then an obvious JSON id, else null', () => {
    assert.equal(providerIdFrom(new Headers({ 'x-message-id': 'h1' }), '{"id":"b1"}'), 'h1');
    assert.equal(providerIdFrom(new Headers(), '{"status":"OK","message_id":"b1"}'), 'b1');
    assert.equal(providerIdFrom(new Headers(), '{"data":{"id":42}}'), '42');
    assert.equal(providerIdFrom(new Headers(), '{"messages":[{"messageId":"m-1"}]}'), 'm-1');
    assert.equal(providerIdFrom(new Headers(), 'OK 12345'), null);
    assert.equal(providerIdFrom(new Headers(), '{"status":"queued"}'), null);
  });
});
