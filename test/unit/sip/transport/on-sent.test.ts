/**
 * TransportSender.send's `onSent`: called once the message is handed to the kernel (or
 * could not be), so that what must follow it on the wire waits for it — the greeting after
 * our 200 OK (ADR 0011). node:dgram sends on a later tick than `send()` returns, so a
 * caller that went on at once could put media on the wire ahead of the answer.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SIP_LIMITS } from '../../../../src/sip/options.js';
import { TransportLayer } from '../../../../src/sip/transport/transport-layer.js';
import { systemClock } from '../../../../src/shared/clock.js';
import { silentLogger } from '../../../../src/shared/logger.js';

describe('TransportSender.send onSent', () => {
  let layer: TransportLayer;
  let udpPeer: dgram.Socket;
  let tcpPeer: net.Server;
  const udpGot: Buffer[] = [];
  const tcpGot: Buffer[] = [];

  before(async () => {
    layer = new TransportLayer(
      { listen: [{ host: '127.0.0.1', port: 0 }], transports: ['udp', 'tcp'], limits: DEFAULT_SIP_LIMITS, logger: silentLogger(), clock: systemClock },
      { onMessage: () => undefined, onBadMessage: () => undefined },
    );
    await layer.start();
    udpPeer = dgram.createSocket('udp4');
    udpPeer.on('message', (m) => udpGot.push(m));
    await new Promise<void>((r) => udpPeer.bind(0, '127.0.0.1', () => r()));
    tcpPeer = net.createServer((s) => s.on('data', (d) => tcpGot.push(d)));
    await new Promise<void>((r) => tcpPeer.listen(0, '127.0.0.1', () => r()));
  });

  after(async () => {
    await layer.close();
    udpPeer.close();
    await new Promise<void>((r) => tcpPeer.close(() => r()));
  });

  test('UDP: not before send() returns and its tick ends; once; the datagram arrives', async () => {
    let calls = 0;
    let returned = false;
    const sent = new Promise<void>((resolve) =>
      layer.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), { transport: 'udp', address: '127.0.0.1', port: udpPeer.address().port }, () => {
        calls++;
        assert.ok(returned, 'onSent ran inside send()');
        resolve();
      }),
    );
    returned = true;
    await sent;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, 1);
    assert.equal(udpGot.map((b) => b.toString()).join(''), 'SIP/2.0 200 OK\r\n\r\n');
  });

  test('TCP: once, and the bytes arrive', async () => {
    let calls = 0;
    const port = (tcpPeer.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) =>
      layer.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), { transport: 'tcp', address: '127.0.0.1', port }, () => {
        calls++;
        resolve();
      }),
    );
    for (let i = 0; i < 50 && tcpGot.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(calls, 1);
    assert.equal(Buffer.concat(tcpGot).toString(), 'SIP/2.0 200 OK\r\n\r\n');
  });

  test('a message that cannot be sent (no UDP socket for IPv6 here) still calls onSent', async () => {
    let calls = 0;
    await new Promise<void>((resolve) =>
      layer.send(Buffer.from('x'), { transport: 'udp', address: '::1', port: 5060 }, () => {
        calls++;
        resolve();
      }),
    );
    assert.equal(calls, 1);
  });
});
