/**
 * The deposits bench times each greeting's start on the wire with a kernel filter that
 * keeps only the server's RTP packets carrying the marker bit (bench/deposits/sip-capture.ts).
 * Here the real dumpcap and tshark run it on loopback: a marked RTP packet from the range
 * is kept; the same packet unmarked, an RTCP sender report from the range (its second byte
 * has the top bit set too) and a marked packet from outside the range are not.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startSipCapture } from '../../../bench/deposits/sip-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'voxmail-bench-capture-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function bound(port = 0): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve, reject) => {
    s.once('error', (e) => {
      s.close();
      reject(e);
    });
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/** Two sockets on adjacent ports, so the range holds them and nothing else of ours: any other bound socket is outside it. */
async function adjacentPair(): Promise<[Socket, Socket]> {
  for (let attempt = 0; ; attempt++) {
    const first = await bound();
    const second = await bound(first.address().port + 1).catch((e: unknown) => {
      first.close();
      if (attempt >= 20) throw e;
      return undefined;
    });
    if (second) return [first, second];
  }
}

function rtp(marker: boolean, pt: number): Buffer {
  const b = Buffer.alloc(12 + 160);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  return b;
}

const send = (s: Socket, b: Buffer, port: number): Promise<void> => new Promise((resolve, reject) => s.send(b, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));

test('only marked RTP from the server range is captured (and the SIP port)', async () => {
  const sink = await bound();
  const [inRange, rtcpLike] = await adjacentPair();
  const outside = await bound();
  const sinkPort = sink.address().port;
  const ports = [inRange.address().port, rtcpLike.address().port];
  const range: [number, number] = [Math.min(...ports), Math.max(...ports)];
  const outsidePort = outside.address().port;
  try {
    assert.ok(outsidePort < range[0] || outsidePort > range[1], 'the outside socket is outside the range');
    const capture = await startSipCapture(dir, sinkPort, range);
    await send(inRange, rtp(false, 0), sinkPort + 1);
    await send(inRange, rtp(true, 0), sinkPort + 1);
    const sr = Buffer.alloc(28);
    sr[0] = 0x80;
    sr[1] = 200; // RTCP sender report
    await send(rtcpLike, sr, sinkPort + 1);
    await send(outside, rtp(true, 8), sinkPort + 1);
    await new Promise((r) => setTimeout(r, 300));
    const result = await capture.stop();
    assert.deepEqual([...result.markers.keys()], [inRange.address().port], `captured from ${JSON.stringify([...result.markers])}`);
    assert.equal(result.markers.get(inRange.address().port)?.length, 1, 'the unmarked packet is not kept');
  } finally {
    for (const s of [sink, inRange, rtcpLike, outside]) s.close();
  }
});
