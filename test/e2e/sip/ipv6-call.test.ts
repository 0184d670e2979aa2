import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { SipStack } from '../../../src/sip/index.js';
import { portOf, startStack } from '../../support/stack.js';
import { TestApp } from '../../support/test-app.js';
import { UdpClient, optionsRequest, statusOf } from '../../support/udp-client.js';

const SDP = 'v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n';

function request(method: string, port: number, client: number, opts: { branch: string; toTag?: string; cseq: number; body?: string; via?: string }): string {
  const body = opts.body ?? '';
  return (
    `${method} sip:100@[::1]:${port} SIP/2.0\r\n` +
    `Via: ${opts.via ?? `SIP/2.0/UDP [::1]:${client};branch=${opts.branch};rport`}\r\n` +
    `Max-Forwards: 70\r\nFrom: "Тест" <sip:caller@[::1]>;tag=v6caller\r\n` +
    `To: <sip:100@[::1]>${opts.toTag ? `;tag=${opts.toTag}` : ''}\r\nCall-ID: v6-call@[::1]\r\n` +
    `CSeq: ${opts.cseq} ${method}\r\nContact: <sip:caller@[::1]:${client}>\r\n` +
    (body ? 'Content-Type: application/sdp\r\n' : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

describe('IPv6 loopback: UDP and TCP, rport/received, a whole call', () => {
  let stack: SipStack;
  const app = new TestApp({ users: ['100'] });
  before(async () => {
    await app.start();
    stack = await startStack(app, { listen: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }] });
  });
  after(async () => {
    await stack.close();
    app.close();
  });

  test('OPTIONS over UDP on ::1; the response Via carries received and rport (RFC 3581)', async () => {
    const c = await UdpClient.open('::1');
    const port = portOf(stack, 'udp', '::1');
    c.send(optionsRequest(port, 'v6-options', c.port).replace('127.0.0.1:' + c.port, 'client.example.com:5999'), port, '::1');
    const res = await c.waitFor((m) => statusOf(m) === 200, 2000);
    const clientPort = c.port;
    c.close();
    assert.ok(res, 'no answer on ::1');
    assert.match(res.toString('latin1'), new RegExp(`Via: SIP/2.0/UDP client.example.com:5999;branch=z9hG4bK-v6-options;rport=${clientPort};received=::1`));
  });

  test('OPTIONS over TCP on ::1', async () => {
    const port = portOf(stack, 'tcp', '::1');
    const sock = net.connect(port, '::1');
    const data: Buffer[] = [];
    sock.on('data', (d) => data.push(d));
    await new Promise<void>((r) => sock.on('connect', () => r()));
    sock.write(optionsRequest(port, 'v6-tcp', sock.localPort!, 'TCP'));
    for (let i = 0; i < 100 && !Buffer.concat(data).includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 20));
    sock.destroy();
    assert.match(Buffer.concat(data).toString('latin1'), /^SIP\/2\.0 200 OK\r\n/);
  });

  test('INVITE → 100 → 200 (SDP answer on IPv6 offer) → ACK → BYE → 200', async () => {
    const c = await UdpClient.open('::1');
    const port = portOf(stack, 'udp', '::1');
    c.send(request('INVITE', port, c.port, { branch: 'z9hG4bK-v6inv', cseq: 1, body: SDP }), port, '::1');
    const ok = await c.waitFor((m) => statusOf(m) === 200, 2000);
    assert.ok(ok, 'no 200 to the INVITE');
    const text = ok.toString('latin1');
    assert.match(text, /\r\nContent-Type: application\/sdp\r\n/);
    assert.match(text, /\r\nm=audio \d+ RTP\/AVP 8 101\r\n/, 'answers PCMA (the offerer preferred it) and telephone-event');
    assert.match(text, /\r\nContact: <sip:100@\[::1\]:\d+>\r\n/);
    const toTag = /\r\nTo: <sip:100@\[::1\]>;tag=([^\r\n;]+)/.exec(text)?.[1];
    assert.ok(toTag);
    c.send(request('ACK', port, c.port, { branch: 'z9hG4bK-v6ack', cseq: 1, toTag }), port, '::1');
    c.received.length = 0;
    c.send(request('BYE', port, c.port, { branch: 'z9hG4bK-v6bye', cseq: 2, toTag }), port, '::1');
    const byeOk = await c.waitFor((m) => statusOf(m) === 200 && m.includes('CSeq: 2 BYE'), 2000);
    c.close();
    assert.ok(byeOk, 'no 200 to the BYE');
    assert.deepEqual(app.calls.get('v6-call@[::1]')?.events, ['invite', 'answered', 'ack', 'bye', 'terminated:remote-bye']);
  });
});
