/**
 * The native UDP sockets (native/udp-io, ADR 0006) on loopback: built on this machine
 * (npm ci builds them), every datagram to the right socket with its real source, sizes
 * at and over the limit, batches larger than the slab, many datagrams on one socket,
 * drain() of one socket, slot reuse, bind errors, ICMP errors on a connected socket;
 * paced reads (rtp.readIntervalMs).
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { constants } from 'node:os';
import { after, describe, test } from 'node:test';
import { loadNativeUdpIo, META_INTS, type NativeSet } from '../../../src/media/rtp/native-udp-io.js';
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

/**
 * Paced reads (rtp.readIntervalMs, ADR 0006 amendment): on the addon itself, so that
 * nothing but the test calls poll().
 */
describe('native UDP sockets: paced reads', () => {
  const io = loadNativeUdpIo().io!;
  const PARTS = 5;

  /** A set of PARTS paced sets; `got` lists "slot:text" as onBatch hands them over. */
  function pacedSet(): { set: NativeSet; got: string[]; batches: number[]; inside: (() => void) | null; setInside(fn: (() => void) | null): void } {
    const slab = new ArrayBuffer(64 * 2048);
    const meta = new ArrayBuffer(64 * META_INTS * 4);
    const bytes = Buffer.from(slab);
    const m = new Int32Array(meta);
    const state = {
      got: [] as string[],
      batches: [] as number[],
      inside: null as (() => void) | null,
      setInside(fn: (() => void) | null) {
        state.inside = fn;
      },
      set: null as unknown as NativeSet,
    };
    state.set = io.create(
      slab,
      meta,
      (count) => {
        state.batches.push(count);
        for (let i = 0, r = 0; i < count; i++, r += META_INTS) state.got.push(`${String(m[r])}:${bytes.toString('utf8', m[r + 1], m[r + 1]! + m[r + 2]!)}`);
        state.inside?.();
      },
      PARTS,
    );
    return state;
  }

  function openOn(set: NativeSet): { slot: number; port: number } {
    const slot = io.open(set, HOST, 0, 0);
    assert.ok(slot >= 0, `open failed: ${String(slot)}`);
    return { slot, port: io.localPort(set, slot) };
  }

  /** Sends synchronously (native sendTo): the datagram is in the socket when it returns. */
  let from: RtpUdpSocket;
  const send = (port: number, text: string): void => assert.ok(from.sendTo(Buffer.from(text), port, HOST));
  const pollRound = (set: NativeSet): number => {
    let n = 0;
    for (let i = 0; i < PARTS; i++) n += io.poll(set);
    return n;
  };

  test('the first datagram is read on readiness; later ones only by poll(), several per read, in order', async () => {
    from = await nativeSocket();
    const p = pacedSet();
    try {
      const a = openOn(p.set);
      send(a.port, 'first');
      await waitFor(() => p.got.length === 1, 3000, () => 'the first datagram, read on readiness');
      assert.deepEqual(p.got, [`${String(a.slot)}:first`]);
      for (let i = 0; i < 5; i++) send(a.port, `later ${String(i)}`);
      // The event loop runs: on readiness these would be read within a turn or two.
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(p.got.length, 1, 'a socket that has received waits for poll()');
      assert.equal(pollRound(p.set), 5, 'one round over the parts reads it once, all it holds');
      assert.deepEqual(p.got.slice(1), [0, 1, 2, 3, 4].map((i) => `${String(a.slot)}:later ${String(i)}`));
      assert.equal(p.batches.at(-1), 5, 'delivered in one batch, before poll() returned');
      assert.equal(pollRound(p.set), 0, 'nothing twice');
    } finally {
      io.destroy(p.set);
    }
  });

  test('a part reads only its own sockets (slot % parts); a closed paced slot starts on readiness again', async () => {
    const p = pacedSet();
    try {
      const socks = Array.from({ length: PARTS }, () => openOn(p.set));
      for (const s of socks) send(s.port, 'hello');
      await waitFor(() => p.got.length === PARTS, 3000, () => `${String(p.got.length)} first datagrams`);
      for (const s of socks) send(s.port, 'again');
      const perPoll = Array.from({ length: PARTS }, () => io.poll(p.set));
      assert.deepEqual(perPoll, Array.from({ length: PARTS }, () => 1), 'each poll() reads one part: one socket here');
      // Close one (it was paced) and open another: the slot is reused and read on readiness.
      const gone = socks[0]!;
      io.closeSlot(p.set, gone.slot);
      const next = openOn(p.set);
      assert.equal(next.slot, gone.slot, 'the slot is reused');
      send(next.port, 'new call');
      await waitFor(() => p.got.includes(`${String(next.slot)}:new call`), 3000, () => 'the new socket read on readiness');
    } finally {
      io.destroy(p.set);
    }
  });

  test('drain() reads a paced socket now; poll() inside a batch declines (EBUSY); an ICMP error still comes at once', async () => {
    const p = pacedSet();
    try {
      const a = openOn(p.set);
      send(a.port, 'first');
      await waitFor(() => p.got.length === 1, 3000, () => 'the first datagram');
      send(a.port, 'held');
      assert.equal(io.drain(p.set, a.slot), 1);
      assert.equal(p.got.at(-1), `${String(a.slot)}:held`);
      let inside: number | null = null;
      p.setInside(() => {
        inside ??= io.poll(p.set);
      });
      send(a.port, 'x');
      pollRound(p.set);
      p.setInside(null);
      assert.equal(inside, -constants.errno.EBUSY, 'poll() from inside onBatch: -EBUSY');
      // A connected paced socket whose peer is gone: the ICMP error is read on readiness
      // (not left pending to fail the next send).
      const peer = await sender();
      const peerPort = peer.address().port;
      assert.equal(io.connect(p.set, a.slot, HOST, peerPort), 0);
      peer.close();
      plain.splice(plain.indexOf(peer), 1);
      const before = p.got.length;
      assert.ok(io.send(p.set, a.slot, Buffer.from('into the void')) > 0);
      await waitFor(() => p.got.length > before, 3000, () => 'the ICMP error record');
      assert.equal(io.connect(p.set, a.slot, '', 0), 0);
      const other = await sender();
      assert.ok(io.sendTo(p.set, a.slot, Buffer.from('still fine'), 0x7f000001, other.address().port) > 0, 'the next send is not failed by a stale error');
    } finally {
      io.destroy(p.set);
    }
  });

  test('NativeRtpSocket: paced at readIntervalMs 100 (the default), each datagram once, in order, several per read', async () => {
    const s = await NativeRtpSocket.binder(100)(HOST, 0, undefined);
    assert.ok(typeof s !== 'string');
    open.push(s);
    const got: number[] = [];
    let batches = 0;
    s.listen(
      (d) => got.push(d.readUInt32BE(0)),
      () => undefined,
    );
    onReceiveBatchEnd(() => batches++);
    try {
      for (let i = 0; i < 25; i++) {
        from.sendTo(Buffer.from([0, 0, 0, i]), s.port, HOST);
        await new Promise((r) => setTimeout(r, 20));
      }
      await waitFor(() => got.length === 25, 3000, () => `${String(got.length)} of 25`);
    } finally {
      onReceiveBatchEnd(undefined);
    }
    assert.deepEqual(got, Array.from({ length: 25 }, (_, i) => i));
    // 25 datagrams 20 ms apart: ~500 ms, read about every 100 ms once the first has come.
    assert.ok(batches <= 12, `read in ${String(batches)} batches: paced reads take several at once`);
  });
});
