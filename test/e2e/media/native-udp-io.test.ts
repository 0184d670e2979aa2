/**
 * The native UDP sockets (native/udp-io, ADR 0006) on loopback: built on this machine
 * (npm ci builds them), every datagram to the right socket with its real source, sizes
 * at and over the limit, batches larger than the slab, many datagrams on one socket,
 * drain() of one socket, slot reuse, bind errors, ICMP errors on a connected socket.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, describe, test } from 'node:test';
import { loadNativeUdpIo } from '../../../src/media/rtp/native-udp-io.js';
import { NativeRtpSocket, onReceiveBatchEnd } from '../../../src/media/rtp/native-rtp-socket.js';
import { DgramRtpSocket, type RtpUdpSocket } from '../../../src/media/rtp/udp-socket.js';
import { waitFor } from '../../support/wait.js';

const HOST = '127.0.0.1';
const open: RtpUdpSocket[] = [];
const plain: dgram.Socket[] = [];
after(async () => {
  for (const s of open) await s.close();
  for (const s of plain) s.close();
});

async function nativeSocket(port = 0): Promise<RtpUdpSocket> {
  const s = await NativeRtpSocket.bind(HOST, port, undefined);
  assert.ok(typeof s !== 'string', `bind failed: ${typeof s === 'string' ? s : ''}`);
  open.push(s);
  return s;
}

async function sender(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, HOST, () => r()));
  plain.push(s);
  return s;
}

describe('native UDP sockets (udp-io)', () => {
  test('the addon is built and loads here (npm ci builds it)', () => {
    const r = loadNativeUdpIo();
    assert.equal(r.error, null, `native/udp-io did not load: ${String(r.error)}`);
    assert.ok(NativeRtpSocket.available(HOST));
    assert.equal(NativeRtpSocket.available('::1'), false, 'IPv6 stays on node:dgram');
  });

  test('300 sockets in one set: each gets exactly its own datagrams, intact, with the real source', async () => {
    const n = 300;
    const socks = await Promise.all(Array.from({ length: n }, () => nativeSocket()));
    const got: string[][] = socks.map(() => []);
    const from = await sender();
    const fromPort = from.address().port;
    let wrongSource = 0;
    socks.forEach((s, i) =>
      s.listen(
        (data, address, port) => {
          if (address !== HOST || port !== fromPort) wrongSource++;
          got[i]!.push(data.toString()); // copy now: the view is reused by the next batch
        },
        () => undefined,
      ),
    );
    for (let k = 0; k < 3; k++) for (let i = 0; i < n; i++) from.send(`socket ${String(i)} datagram ${String(k)}`, socks[i]!.port, HOST);
    await waitFor(() => got.every((g) => g.length === 3), 5000, () => `${String(got.filter((g) => g.length === 3).length)} of ${String(n)} sockets complete`);
    assert.equal(wrongSource, 0);
    got.forEach((g, i) => assert.deepEqual(g, [0, 1, 2].map((k) => `socket ${String(i)} datagram ${String(k)}`)));
  });

  test('a datagram of 2,048 bytes arrives whole; a larger one arrives empty (not RTP); more than a slab at once all arrive', async () => {
    const socks = await Promise.all(Array.from({ length: 200 }, () => nativeSocket()));
    const sizes: number[] = [];
    let sum = 0;
    socks.forEach((s) =>
      s.listen(
        (data) => {
          sizes.push(data.length);
          for (const b of data) sum += b;
        },
        () => undefined,
      ),
    );
    const from = await sender();
    const big = Buffer.alloc(2048, 1);
    // 200 × 3 datagrams: more than the slab's 512 per batch, read in one wake-up.
    for (let k = 0; k < 3; k++) for (const s of socks) from.send(big, s.port, HOST);
    from.send(Buffer.alloc(3000, 1), socks[0]!.port, HOST);
    await waitFor(() => sizes.length === 601, 5000, () => `${String(sizes.length)} of 601 datagrams`);
    assert.equal(sizes.filter((x) => x === 2048).length, 600);
    assert.equal(sizes.filter((x) => x === 0).length, 1, 'the oversized datagram comes as an empty one');
    assert.equal(sum, 600 * 2048, 'bytes intact');
  });

  test('one socket with more datagrams than one read takes (32): all arrive, in order', async () => {
    const s = await nativeSocket();
    const got: number[] = [];
    s.listen(
      (d) => got.push(d.readUInt32BE(0)),
      () => undefined,
    );
    const from = await nativeSocket();
    // Sent synchronously (send(2) on the native socket): all wait in the buffer together.
    for (let i = 0; i < 100; i++) assert.ok(from.sendTo(Buffer.from([0, 0, 0, i]), s.port, HOST), `datagram ${String(i)} sent`);
    await waitFor(() => got.length === 100, 3000, () => `${String(got.length)} of 100`);
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => i));
  });

  test("drain() reads one socket now, even behind 300 ready ones; not from inside a batch; dgram cannot", async () => {
    const others = await Promise.all(Array.from({ length: 300 }, () => nativeSocket()));
    let othersGot = 0;
    for (const o of others)
      o.listen(
        () => othersGot++,
        () => undefined,
      );
    const target = await nativeSocket();
    const heard: string[] = [];
    let drainedInside: boolean | null = null;
    target.listen(
      (d) => {
        heard.push(d.toString());
        drainedInside ??= target.drain();
      },
      () => undefined,
    );
    const from = await nativeSocket();
    // No await until the drain: the event loop reads nothing meanwhile.
    for (const o of others) from.sendTo(Buffer.from('x'), o.port, HOST);
    for (let i = 0; i < 5; i++) from.sendTo(Buffer.from(`last ${String(i)}`), target.port, HOST);
    assert.equal(target.drain(), true);
    assert.deepEqual(heard, [0, 1, 2, 3, 4].map((i) => `last ${String(i)}`), 'delivered before drain() returned');
    assert.equal(othersGot, 0, "the other sockets' datagrams wait for the event loop");
    assert.equal(drainedInside, false, 'drain() from inside a batch declines (EBUSY)');
    await waitFor(() => othersGot === 300, 3000, () => `${String(othersGot)} of 300`);
    assert.equal(heard.length, 5, 'nothing twice');

    const ds = await DgramRtpSocket.bind(HOST, 0, undefined);
    assert.ok(typeof ds !== 'string');
    open.push(ds);
    assert.equal(ds.drain(), false, 'node:dgram reads only in the poll phase');
  });

  test('onReceiveBatchEnd: runs after each batch the event loop reads (its datagrams already handled), not for drain()', async () => {
    const s = await nativeSocket();
    const from = await nativeSocket();
    const events: string[] = [];
    s.listen(
      (d) => events.push(`datagram ${d.toString()}`),
      () => undefined,
    );
    onReceiveBatchEnd(() => events.push('batch end'));
    try {
      // Read on demand: the caller is mid-work, the hook stays out of it.
      from.sendTo(Buffer.from('a'), s.port, HOST);
      assert.equal(s.drain(), true, 'drained');
      assert.deepEqual(events, ['datagram a'], 'no hook inside drain()');
      // Read by the event loop: one batch, the hook after its datagrams.
      events.length = 0;
      for (const x of ['b', 'c', 'd']) from.sendTo(Buffer.from(x), s.port, HOST);
      await waitFor(() => events.includes('batch end'), 3000, () => events.join(', '));
      assert.deepEqual(events, ['datagram b', 'datagram c', 'datagram d', 'batch end'], 'the hook after the datagrams of its batch');
      // More than one batch (a slab holds 512 datagrams): the hook after each, none lost.
      events.length = 0;
      const many = await Promise.all(Array.from({ length: 40 }, () => nativeSocket()));
      let got = 0;
      for (const m of many)
        m.listen(
          () => got++,
          () => undefined,
        );
      for (const m of many) for (let i = 0; i < 20; i++) from.sendTo(Buffer.from('x'), m.port, HOST);
      await waitFor(() => got === 800, 3000, () => `${String(got)} of 800`);
      await waitFor(() => events.filter((e) => e === 'batch end').length >= 2, 3000, () => `${String(events.length)} hook calls`);
    } finally {
      onReceiveBatchEnd(undefined);
    }
  });

  test('a closed socket frees its port and slot; the next socket on that slot hears only its own', async () => {
    const a = await nativeSocket();
    const port = a.port;
    const taken = await NativeRtpSocket.bind(HOST, port, undefined);
    assert.equal(taken, 'EADDRINUSE');
    await a.close();
    await a.close(); // idempotent
    const b = await nativeSocket(port);
    assert.equal(b.port, port);
    const heard: string[] = [];
    b.listen(
      (d) => heard.push(d.toString()),
      () => undefined,
    );
    const from = await sender();
    from.send('for b', port, HOST);
    await waitFor(() => heard.length === 1, 3000, () => 'the datagram for b');
    assert.deepEqual(heard, ['for b']);
    assert.equal(a.send(Buffer.from('x')), false, 'a closed socket sends nothing');
  });

  test('connected: sends reach the peer; after the peer closes, ICMP errors come to the error handler and the socket goes on', async () => {
    const s = await nativeSocket();
    const peer = await sender();
    const errors: string[] = [];
    const heard: string[] = [];
    s.listen(
      (d) => heard.push(d.toString()),
      (e) => errors.push(String(e.code)),
    );
    const received: string[] = [];
    peer.on('message', (m) => received.push(m.toString()));
    assert.equal(s.connect(HOST, peer.address().port), true);
    assert.equal(s.send(Buffer.from('hello')), true);
    await waitFor(() => received.length >= 1, 3000, () => 'the peer hearing us');
    assert.equal(received[0], 'hello');
    peer.send('back', s.port, HOST);
    await waitFor(() => heard.length === 1, 3000, () => 'the answer');
    const closedPort = peer.address().port;
    peer.close();
    plain.splice(plain.indexOf(peer), 1);
    s.connect(HOST, closedPort);
    for (let i = 0; i < 5; i++) {
      s.send(Buffer.from('into the void'));
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => errors.includes('ECONNREFUSED'), 3000, () => `ICMP errors (got ${errors.join(', ')})`);
    s.disconnect();
    const other = await sender();
    const got: string[] = [];
    other.on('message', (m) => got.push(m.toString()));
    assert.equal(s.sendTo(Buffer.from('still alive'), other.address().port, HOST), true);
    await waitFor(() => got.length === 1, 3000, () => 'a send after the errors');
  });
});
