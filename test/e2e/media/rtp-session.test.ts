/**
 * RtpSession over real UDP on loopback: two sessions talking, a shuffling/dropping
 * relay, the source lock (wrong source, latching, STUN), RTCP, and the port allocator
 * against ports taken by other sockets. Each test takes its own random port range in
 * 30000–39998 so that test files can run in parallel.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { ManualClock, systemClock, type Clock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { parseRtp, serializeRtp } from '../../../src/media/rtp/packet.js';
import { PortAllocator, type RtpSocketKind } from '../../../src/media/rtp/port-allocator.js';
import { parseRtcp } from '../../../src/media/rtp/rtcp.js';
import { MediaClock } from '../../../src/media/media-clock.js';
import { RtpSession, type AudioFrame, type RtpEndpoint, type RtpSessionOptions } from '../../../src/media/rtp/rtp-session.js';

const HOST = '127.0.0.1';
const log = silentLogger();
const toClose: { close(): unknown }[] = [];
after(async () => {
  for (const c of toClose) await c.close();
});

/** Which sockets the suites below run on now: each runs once on native sockets (where the address allows: IPv4) and once on node:dgram. */
let sockets: RtpSocketKind = 'auto';

/** A random even-based range of `size` ports inside 30000–39998, on the current kind of socket. */
function range(size = 40): { min: number; max: number; sockets: RtpSocketKind } {
  const base = 30000 + 2 * Math.floor(Math.random() * ((9998 - size) / 2));
  return { min: base, max: base + size - 1, sockets };
}

/** A frame to keep: its payload is a view valid during the callback only (udp-socket.ts). */
function kept(f: AudioFrame): AudioFrame {
  return { samples: f.samples, payload: f.payload === null ? null : Buffer.from(f.payload) };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function udp(address = HOST, port = 0): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
    s.once('error', reject);
    s.bind(port, address, () => {
      s.off('error', reject);
      toClose.push({ close: () => new Promise<void>((r) => s.close(() => r())) });
      resolve(s);
    });
  });
}

/** A media clock on manual time, a port range, and a plain UDP socket collecting what is sent to it. */
async function tickedSink(): Promise<{ time: ManualClock; clock: MediaClock; allocator: PortAllocator; sink: dgram.Socket; got: Buffer[] }> {
  const time = new ManualClock();
  const clock = new MediaClock({ clock: time });
  const allocator = new PortAllocator(range());
  const sink = await udp();
  const got: Buffer[] = [];
  sink.on('message', (m) => got.push(m));
  return { time, clock, allocator, sink, got };
}

async function open(allocator: PortAllocator, remote: RtpEndpoint | null, extra: Partial<RtpSessionOptions> = {}, clock: Clock = systemClock): Promise<RtpSession> {
  const r = await RtpSession.open({ allocator, localAddress: HOST, payloadType: 0, telephoneEventPayloadType: 101, ptime: 20, remote, clock, logger: log, ...extra });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  toClose.push(r.value);
  return r.value;
}

/** Two sessions pointed at each other. */
async function pair(extra: Partial<RtpSessionOptions> = {}, clock: Clock = systemClock): Promise<[RtpSession, RtpSession]> {
  const allocator = new PortAllocator(range());
  const a = await open(allocator, null, extra, clock);
  const b = await open(allocator, { address: HOST, port: a.localPort }, extra, clock);
  assert.ok(a.setRemote(HOST, b.localPort).ok);
  return [a, b];
}

const payload = (i: number): Buffer => Buffer.alloc(160, i & 0xff);

/** Send n packets paced in bursts (loopback buffers are finite). */
async function sendPaced(n: number, send: (i: number) => void, burst = 20): Promise<void> {
  for (let i = 0; i < n; i++) {
    send(i);
    if (i % burst === burst - 1) await new Promise((r) => setTimeout(r, 2));
  }
}

function rtp(seq: number, ts: number, ssrc: number, pt = 0, fill = 0): Buffer {
  return serializeRtp({ marker: false, payloadType: pt, sequenceNumber: seq, timestamp: ts, ssrc, payload: Buffer.alloc(160, fill) });
}

for (const [kind, want] of [['auto', 'native'], ['dgram', 'dgram']] as const) {
describe(`RtpSession over loopback (${want} sockets)`, () => {
  before(() => {
    sockets = kind;
  });

  test('two sessions exchange 200 packets each way, in order, sample-exact', async () => {
    const [a, b] = await pair();
    assert.equal(a.socketKind, want, 'IPv4 sessions use the kind of socket asked for');
    const atA: AudioFrame[] = [];
    const atB: AudioFrame[] = [];
    a.onAudio = (f) => atA.push(kept(f));
    b.onAudio = (f) => atB.push(kept(f));
    await sendPaced(200, (i) => {
      assert.ok(a.sendAudio(payload(i)));
      assert.ok(b.sendAudio(payload(i + 7)));
    });
    await waitFor(() => a.stats().audioPacketsIn === 200 && b.stats().audioPacketsIn === 200, '200 packets each way');
    a.flush();
    b.flush();
    assert.equal(atB.length, 200);
    assert.equal(atA.length, 200);
    for (let i = 0; i < 200; i++) {
      assert.deepEqual(atB[i]!.payload, payload(i));
      assert.deepEqual(atA[i]!.payload, payload(i + 7));
    }
    const s = b.stats();
    assert.deepEqual([s.packetsOut, s.packetsIn, s.lost, s.droppedWrongSource, s.duplicates, s.late], [200, 200, 0, 0, 0, 0]);
    assert.equal(s.bytesIn, 200 * 160);
  });

  test('through a relay that reorders (≤ 2 slots) and drops every 20th packet: right slots, real-time length', async () => {
    const allocator = new PortAllocator(range());
    const relayIn = await udp();
    const relayOut = await udp();
    const b = await open(allocator, { address: HOST, port: relayOut.address().port });
    const a = await open(allocator, { address: HOST, port: relayIn.address().port });
    const frames: AudioFrame[] = [];
    b.onAudio = (f) => frames.push(kept(f));
    // Reverse each group of 3 (displacement ≤ 2 slots = 40 ms < the 60 ms window); drop index % 20 == 10.
    let group: { i: number; m: Buffer }[] = [];
    let index = 0;
    relayIn.on('message', (m) => {
      group.push({ i: index++, m });
      if (group.length === 3) {
        for (const g of group.reverse()) if (g.i % 20 !== 10) relayOut.send(g.m, b.localPort, HOST);
        group = [];
      }
    });
    await sendPaced(201, (i) => a.sendAudio(payload(i)), 9);
    await waitFor(() => b.stats().audioPacketsIn === 191, 'relayed packets (201 − 10 dropped)');
    b.flush();
    assert.equal(frames.filter((f) => f.payload !== null).length, 191, 'every packet that arrived is in the output');
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      assert.equal(f.samples, 160);
      if (i % 20 === 10) assert.equal(f.payload, null, `slot ${String(i)} was dropped: silence`);
      else assert.deepEqual(f.payload, payload(i), `slot ${String(i)}`);
    }
    assert.equal(frames.length, 201, '201 slots of 20 ms: the recording keeps real time');
    assert.equal(b.stats().lost, 10);
    assert.equal(b.stats().late, 0);
  });

  /** A socket connected to `port` that sends one datagram; resolves with the error the kernel reports (ICMP), if any. */
  async function probe(port: number, packet: Buffer, waitMs = 1000): Promise<string | null> {
    const p = await udp();
    const refused = new Promise<string | null>((resolve) => {
      const t = setTimeout(() => resolve(null), waitMs);
      p.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(t);
        resolve(e.code ?? 'error');
      });
    });
    p.connect(port, HOST, () => p.send(packet));
    return refused;
  }

  for (const connect of [true, false]) {
    const how = connect ? 'connected socket: refused by the kernel' : 'connect: false: dropped and counted';
    test(`strict source lock (${how}): another port on the same host, another socket`, async () => {
      const allocator = new PortAllocator(range());
      const peer = await udp();
      const stranger = await udp();
      const s = await open(allocator, { address: HOST, port: peer.address().port }, { connect });
      assert.equal(s.stats().connected, connect);
      let delivered = 0;
      s.onAudio = () => delivered++;
      for (let i = 0; i < 10; i++) stranger.send(rtp(i, i * 160, 99), s.localPort, HOST);
      for (let i = 0; i < 10; i++) peer.send(rtp(i, i * 160, 42), s.localPort, HOST);
      await waitFor(() => s.stats().droppedWrongSource === (connect ? 0 : 10) && s.stats().packetsIn === 10, 'counted drops');
      if (connect) assert.equal(await probe(s.localPort, rtp(0, 0, 98)), 'ECONNREFUSED', 'a stranger gets ICMP port unreachable, as from a closed port');
      s.flush();
      assert.equal(delivered, 10);
      assert.equal(s.stats().droppedWrongSource, connect ? 0 : 10);
      // Our replies go to the signalled address only.
      const got: Buffer[] = [];
      peer.on('message', (m) => got.push(m));
      stranger.on('message', () => assert.fail('stranger received media'));
      s.sendAudio(payload(1));
      await waitFor(() => got.length === 1, 'reply at the peer');
    });

    test(`latch (${how}): first valid packet from the signalled host fixes the port (NAT), then the lock is strict`, async () => {
      const allocator = new PortAllocator(range());
      const natted = await udp();
      const other = await udp();
      const s = await open(allocator, { address: HOST, port: 9 /* what the SDP said */ }, { latch: true, connect });
      assert.equal(s.stats().connected, false, 'not connected while waiting to latch');
      let delivered = 0;
      s.onAudio = () => delivered++;
      natted.send(Buffer.from('000100002112a4420102030405060708090a0b0c', 'hex'), s.localPort, HOST); // STUN does not latch
      natted.send(rtp(0, 0, 5, 96), s.localPort, HOST); // a PT we did not negotiate does not latch
      await waitFor(() => s.stats().droppedNotRtp === 1 && s.stats().droppedPayloadType === 1, 'non-RTP and foreign PT counted');
      for (let i = 0; i < 5; i++) natted.send(rtp(i, i * 160, 5), s.localPort, HOST);
      await waitFor(() => s.stats().packetsIn === 5, 'latched packets');
      assert.equal(s.stats().connected, connect, 'connected to the latched source');
      for (let i = 5; i < 10; i++) other.send(rtp(i, i * 160, 5), s.localPort, HOST);
      if (connect) assert.equal(await probe(s.localPort, rtp(10, 1600, 5)), 'ECONNREFUSED', 'second source refused by the kernel');
      else await waitFor(() => s.stats().droppedWrongSource === 5, 'second source refused');
      assert.equal(s.stats().packetsIn, 5);
      assert.deepEqual(s.remote, { address: HOST, port: natted.address().port });
      const got: Buffer[] = [];
      natted.on('message', (m) => got.push(m));
      s.sendAudio(payload(3));
      await waitFor(() => got.length === 1, 'symmetric RTP: we answer to the latched port');
      s.flush();
      assert.equal(delivered, 5);
    });
  }

  test('setRemote moves the connected socket: the new remote is heard and answered, the old one refused; latch mode waits for a new latch', async () => {
    const allocator = new PortAllocator(range());
    const p1 = await udp();
    const p2 = await udp();
    const s = await open(allocator, { address: HOST, port: p1.address().port });
    p1.send(rtp(0, 0, 1), s.localPort, HOST);
    await waitFor(() => s.stats().packetsIn === 1, 'media from the first remote');
    assert.ok(s.setRemote(HOST, p2.address().port).ok);
    assert.equal(s.stats().connected, true);
    assert.deepEqual(s.remote, { address: HOST, port: p2.address().port });
    p1.send(rtp(1, 160, 1), s.localPort, HOST);
    p2.send(rtp(0, 0, 2), s.localPort, HOST);
    await waitFor(() => s.stats().packetsIn === 2, 'media from the new remote');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(s.stats().packetsIn, 2, 'the old remote is no longer heard');
    const got: Buffer[] = [];
    p2.on('message', (m) => got.push(m));
    p1.on('message', () => assert.fail('the old remote received media'));
    s.sendAudio(payload(1));
    await waitFor(() => got.length === 1, 'reply at the new remote');

    const l = await open(allocator, { address: HOST, port: p1.address().port }, { latch: true });
    p1.send(rtp(0, 0, 3), l.localPort, HOST);
    await waitFor(() => l.stats().connected, 'latched and connected');
    assert.ok(l.setRemote(HOST, 9).ok);
    assert.equal(l.stats().connected, false, 'a new SDP starts the latch over: disconnected');
    p2.send(rtp(0, 0, 4), l.localPort, HOST);
    await waitFor(() => l.stats().connected && l.remote?.port === p2.address().port, 'latched again');
  });

  test('a peer that closes its port: ICMP errors on the connected socket are counted, the session goes on', async () => {
    const allocator = new PortAllocator(range());
    const peer = dgram.createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, HOST, () => r()));
    const port = peer.address().port;
    const s = await open(allocator, { address: HOST, port });
    assert.ok(s.stats().connected);
    await new Promise<void>((r) => peer.close(() => r()));
    for (let i = 0; i < 5; i++) {
      s.sendAudio(payload(i));
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => s.stats().remoteUnreachable >= 1, 'port unreachable counted');
    assert.ok(s.stats().socketErrors >= s.stats().remoteUnreachable);
    assert.ok(!s.closed);
    // The peer is back on the same port: media flows both ways again.
    const back = await udp(HOST, port);
    const got: Buffer[] = [];
    back.on('message', (m) => got.push(m));
    await waitFor(() => (s.sendAudio(payload(7)), got.length > 0), 'media at the peer again');
    back.send(rtp(0, 0, 8), s.localPort, HOST);
    await waitFor(() => s.stats().packetsIn === 1, 'media from the peer again');
  });

  test('bound to a wildcard address: the socket is not connected (the userland lock applies)', async () => {
    const allocator = new PortAllocator(range());
    const peer = await udp();
    const stranger = await udp();
    const r = await RtpSession.open({ allocator, localAddress: '0.0.0.0', payloadType: 0, telephoneEventPayloadType: null, ptime: 20, remote: { address: HOST, port: peer.address().port }, clock: systemClock, logger: log });
    assert.ok(r.ok);
    toClose.push(r.value);
    const s = r.value;
    assert.equal(s.stats().connected, false);
    stranger.send(rtp(0, 0, 1), s.localPort, HOST);
    peer.send(rtp(0, 0, 2), s.localPort, HOST);
    await waitFor(() => s.stats().packetsIn === 1 && s.stats().droppedWrongSource === 1, 'peer heard, stranger counted');
  });

  test('STUN-like and other non-v2 datagrams from the right source are dropped and counted', async () => {
    const allocator = new PortAllocator(range());
    const peer = await udp();
    const s = await open(allocator, { address: HOST, port: peer.address().port });
    let delivered = 0;
    s.onAudio = () => delivered++;
    peer.send(Buffer.from('000100002112a442' + '0102030405060708090a0b0c', 'hex'), s.localPort, HOST);
    peer.send(Buffer.from('0101000c2112a442' + '0102030405060708090a0b0c' + '00000000', 'hex'), s.localPort, HOST);
    peer.send(Buffer.from([0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]), s.localPort, HOST);
    peer.send(Buffer.from([0x80, 0]), s.localPort, HOST);
    peer.send(Buffer.from([0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]), s.localPort, HOST); // CC=15, truncated
    await waitFor(() => s.stats().droppedNotRtp === 4 && s.stats().droppedMalformed === 1, 'drops counted');
    s.flush();
    assert.equal(delivered, 0);
    assert.equal(s.stats().packetsIn, 0);
  });

  test('telephone-event packets are handed over raw; unknown payload types are counted and dropped', async () => {
    const [a, b] = await pair();
    const events: { ts: number; marker: boolean; seq: number; payload: number[] }[] = [];
    b.onTelephoneEvent = (p) => events.push({ ts: p.timestamp, marker: p.marker, seq: p.sequenceNumber, payload: [...p.payload] });
    const ts = a.nextTimestamp;
    assert.ok(a.sendTelephoneEvent(Buffer.from([5, 10, 0, 160]), { timestamp: ts, marker: true }));
    assert.ok(a.sendTelephoneEvent(Buffer.from([5, 0x80 | 10, 1, 64]), { timestamp: ts }));
    await waitFor(() => events.length === 2, 'two events');
    assert.deepEqual(events[0], { ts, marker: true, seq: events[0]!.seq, payload: [5, 10, 0, 160] });
    assert.equal(events[1]!.seq, (events[0].seq + 1) & 0xffff);
    assert.equal(a.nextTimestamp, ts, 'events do not advance the audio clock');
  });

  test('sendAudio: continuous sequence and timestamps (default ptime×8, or `samples`), marker on the first packet', async () => {
    const allocator = new PortAllocator(range());
    const sink = await udp();
    const got: Buffer[] = [];
    sink.on('message', (m) => got.push(m));
    const s = await open(allocator, { address: HOST, port: sink.address().port }, { ptime: 30 });
    s.sendAudio(Buffer.alloc(240));
    s.sendAudio(Buffer.alloc(240));
    s.sendAudio(Buffer.alloc(80), { samples: 80 });
    s.sendAudio(Buffer.alloc(240), { marker: true });
    await waitFor(() => got.length === 4, '4 packets');
    const p = got.map((m) => {
      const r = parseRtp(m);
      assert.ok(r.ok);
      return r.value;
    });
    assert.deepEqual(
      p.map((x) => x.marker),
      [true, false, false, true],
    );
    assert.deepEqual(
      p.map((x) => (x.sequenceNumber - p[0]!.sequenceNumber) & 0xffff),
      [0, 1, 2, 3],
    );
    assert.deepEqual(
      p.map((x) => (x.timestamp - p[0]!.timestamp) >>> 0),
      [0, 240, 480, 560],
    );
    assert.ok(p.every((x) => x.ssrc === s.ssrc && x.payloadType === 0));
  });

  test('back-to-back sends in one tick are not corrupted by the reused send buffer', async () => {
    const [a, b] = await pair();
    const frames: AudioFrame[] = [];
    b.onAudio = (f) => frames.push(kept(f));
    for (let i = 0; i < 30; i++) a.sendAudio(payload(i)); // same tick
    await waitFor(() => b.stats().audioPacketsIn === 30, '30 packets');
    b.flush();
    assert.deepEqual(
      frames.map((f) => f.payload![0]),
      Array.from({ length: 30 }, (_, i) => i),
    );
  });

  test('sends during a media-clock tick leave at its end, in order; a second send in the tick sends the first at once', async () => {
    const { time, clock, allocator, sink, got } = await tickedSink();
    const s = await open(allocator, { address: HOST, port: sink.address().port });
    const during: number[] = [];
    clock.subscribe(() => {
      s.sendAudio(payload(1), { marker: false }); // (a marked one, a spurt's start, would leave at once)
      during.push(s.stats().packetsOut);
      s.sendTelephoneEvent(Buffer.from([1, 0, 0, 160]), { timestamp: s.nextTimestamp, marker: true });
      s.sendAudio(payload(2));
      during.push(s.stats().packetsOut);
    });
    time.advance(20);
    assert.deepEqual(during, [0, 2], 'the packet waits for the tick end; a newer one pushes it out');
    assert.equal(s.stats().packetsOut, 3, 'all sent at the end of the tick');
    s.sendAudio(payload(3)); // outside a tick: at once
    assert.equal(s.stats().packetsOut, 4);
    await waitFor(() => got.length === 4, '4 packets');
    const p = got.map((m) => {
      const r = parseRtp(m);
      assert.ok(r.ok);
      return r.value;
    });
    assert.deepEqual(
      p.map((x) => [(x.sequenceNumber - p[0]!.sequenceNumber) & 0xffff, x.payloadType, x.payload[0]]),
      [
        [0, 0, 1],
        [1, 101, 1],
        [2, 0, 2],
        [3, 0, 3],
      ],
    );
    clock.close();
  });

  test('in a tick, a talk spurt\'s first packet (marker) leaves at once, before the packets of the streams already playing', async () => {
    const { time, clock, allocator, sink, got } = await tickedSink();
    const remote = { address: HOST, port: sink.address().port };
    const playing = await open(allocator, remote);
    const starting = await open(allocator, remote);
    playing.sendAudio(payload(9), { marker: true }); // its spurt started earlier, outside the tick
    const outDuring: number[] = [];
    clock.subscribe(() => {
      playing.sendAudio(payload(1));
      starting.sendAudio(payload(2), { marker: true });
      outDuring.push(playing.stats().packetsOut, starting.stats().packetsOut);
    });
    time.advance(20);
    assert.deepEqual(outDuring, [1, 1], 'during the tick: the spurt start already sent, the other packet held for the tick end');
    await waitFor(() => got.length === 3, '3 packets');
    const order = got.map((m) => {
      const r = parseRtp(m);
      assert.ok(r.ok, 'RTP');
      return [r.value.payload[0], r.value.marker];
    });
    assert.deepEqual(order, [
      [9, true],
      [2, true],
      [1, false],
    ]);
    clock.close();
  });

  test('SSRC change mid-call (the peer restarted its stream): both streams delivered, no inserted silence', async () => {
    const allocator = new PortAllocator(range());
    const peer = await udp();
    const s = await open(allocator, { address: HOST, port: peer.address().port });
    const frames: AudioFrame[] = [];
    s.onAudio = (f) => frames.push(kept(f));
    for (let i = 0; i < 10; i++) peer.send(rtp(100 + i, 5000 + i * 160, 1, 0, i), s.localPort, HOST);
    for (let i = 0; i < 10; i++) peer.send(rtp(9 + i, 777 + i * 160, 2, 0, 50 + i), s.localPort, HOST);
    await waitFor(() => s.stats().packetsIn === 20, '20 packets');
    s.flush();
    assert.deepEqual(
      frames.map((f) => f.payload?.[0] ?? -1),
      [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 50 + i)],
    );
    assert.equal(s.stats().ssrcChanges, 1);
    assert.equal(s.stats().lost, 0);
  });

  test('RTCP: SR/RR + SDES every ~5 s (manual clock), source-locked on port+1, BYE on close', async () => {
    const clock = new ManualClock();
    const [a, b] = await pair({}, clock);
    const peerRtcp: Buffer[] = [];
    const spy = await udp();
    spy.on('message', (m) => peerRtcp.push(m));
    spy.send(Buffer.from([0x81, 201, 0, 1, 0, 0, 0, 1]), b.localRtcpPort, HOST); // wrong source
    b.onAudio = () => undefined;
    await sendPaced(10, (i) => a.sendAudio(payload(i)));
    await waitFor(() => b.stats().packetsIn === 10 && b.stats().rtcpDropped === 1, 'media in, stray RTCP dropped');
    clock.advance(7600); // first report within 0.5 × 5 s × (0.5–1.5); next ≤ 7.5 s later
    await waitFor(() => b.stats().rtcpIn >= 1 && a.stats().rtcpIn >= 1, 'reports exchanged');
    assert.ok(a.stats().rtcpOut >= 1, 'a sent a report');
    await b.close();
    await waitFor(() => a.stats().byeReceived, 'BYE at a');
    assert.equal(await b.close(), undefined, 'close is idempotent');
    assert.equal(clock.pending > 0, true, 'a still has its timer');
    await a.close();
    assert.equal(clock.pending, 0, 'close cancels the RTCP timer');
    // What a sent parses as a compound with SR (a sent media) first.
    const raw = await udp();
    const c = await open(new PortAllocator(range()), { address: HOST, port: 9 }, { rtcpRemotePort: raw.address().port }, clock);
    const seen: Buffer[] = [];
    raw.on('message', (m) => seen.push(m));
    c.sendAudio(payload(0));
    clock.advance(5000);
    await waitFor(() => seen.length >= 1, 'SR at raw socket');
    const parsed = parseRtcp(seen[0]!);
    assert.ok(parsed.ok, `not RTCP: ${seen[0]!.toString('hex')}`);
    assert.deepEqual(
      parsed.value.map((p) => p.type),
      ['sr', 'sdes'],
    );
    await c.close();
    // advance(5000) may have fired a second report before the BYE: look for the BYE itself.
    const hasBye = (m: Buffer): boolean => {
      const r = parseRtcp(m);
      return r.ok && r.value.some((p) => p.type === 'bye');
    };
    await waitFor(() => seen.some(hasBye), 'BYE at raw socket');
    const bye = parseRtcp(seen.find(hasBye)!);
    assert.ok(bye.ok, 'BYE parses');
    assert.deepEqual(
      bye.value.map((p) => p.type),
      ['rr', 'sdes', 'bye'],
    );
  });

  test('IPv6 loopback', async () => {
    const allocator = new PortAllocator(range());
    const mk = (remote: RtpEndpoint | null) =>
      RtpSession.open({ allocator, localAddress: '::1', payloadType: 8, telephoneEventPayloadType: null, ptime: 20, remote, clock: systemClock, logger: log });
    const a = await mk(null);
    assert.ok(a.ok, 'open on ::1');
    assert.equal(a.value.socketKind, 'dgram', 'IPv6 is served by node:dgram');
    toClose.push(a.value);
    const b = await mk({ address: '0:0:0:0:0:0:0:1', port: a.value.localPort });
    assert.ok(b.ok, 'open on ::1 with a remote');
    toClose.push(b.value);
    assert.ok(a.value.setRemote('::1', b.value.localPort).ok);
    assert.equal(a.value.setRemote('127.0.0.1', 5000).ok, false, 'IPv4 remote on an IPv6 session refused');
    for (let i = 0; i < 10; i++) b.value.sendAudio(payload(i));
    await waitFor(() => a.value.stats().packetsIn === 10, 'v6 packets');
    assert.equal(a.value.stats().droppedWrongSource, 0, 'the non-canonical SDP spelling of ::1 still matches');
  });

  test('a throwing onAudio is caught and counted; the session goes on', async () => {
    const [a, b] = await pair();
    let n = 0;
    b.onAudio = () => {
      n++;
      throw new Error('consumer bug');
    };
    for (let i = 0; i < 10; i++) a.sendAudio(payload(i));
    await waitFor(() => b.stats().packetsIn === 10, 'packets');
    b.flush();
    assert.equal(n, 10);
    assert.equal(b.stats().callbackErrors, 10);
  });

  test('open() refuses bad options with an error value', async () => {
    const allocator = new PortAllocator(range());
    const base = { allocator, localAddress: HOST, payloadType: 0, telephoneEventPayloadType: null, clock: systemClock, logger: log };
    const r1 = await RtpSession.open({ ...base, ptime: 5, remote: null });
    assert.ok(!r1.ok && r1.error.code === 'VM_MEDIA_INVALID_OPTIONS', `ptime 5: ${JSON.stringify(r1.ok || r1.error)}`);
    const r2 = await RtpSession.open({ ...base, ptime: 20, remote: { address: 'pbx.example.com', port: 4000 } });
    assert.ok(!r2.ok && r2.error.code === 'VM_MEDIA_INVALID_OPTIONS', `a host name: ${JSON.stringify(r2.ok || r2.error)}`);
    const r3 = await RtpSession.open({ ...base, ptime: 20, remote: null, localAddress: '192.0.2.1' });
    assert.ok(!r3.ok && r3.error.code === 'VM_MEDIA_BIND_FAILED', `EADDRNOTAVAIL is not retried over the range: ${JSON.stringify(r3.ok || r3.error)}`);
    assert.equal(allocator.inUse, 0);
  });
});

describe(`PortAllocator (${want} sockets)`, () => {
  before(() => {
    sockets = kind;
  });

  /** Whether `port` can be bound now; the probe is closed again before this resolves. */
  function portFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => {
        try {
          s.close();
        } catch {
          // never bound: nothing to close
        }
        resolve(false);
      });
      s.bind(port, HOST, () => s.close(() => resolve(true)));
    });
  }

  /**
   * A range whose first pair we managed to block with a foreign socket, its RTP port free
   * (the test binds it at the end; these ports lie in the ephemeral range, where another
   * process may hold one).
   */
  async function blockedRange(size: number): Promise<{ min: number; max: number; blocker: dgram.Socket }> {
    for (let i = 0; i < 20; i++) {
      const r = range(size);
      if (!(await portFree(r.min))) continue;
      try {
        const blocker = await udp(HOST, r.min + 1); // take the RTCP port of the first pair
        return { ...r, blocker };
      } catch {
        // taken by someone else: another range
      }
    }
    throw new Error('no blockable range');
  }

  test('skips a pair whose port is bound by another socket (EADDRINUSE), even pairs only', async () => {
    const { min, max } = await blockedRange(10);
    const allocator = new PortAllocator({ min, max });
    const p = await allocator.allocate(HOST);
    assert.ok(p.ok);
    assert.notEqual(p.value.rtpPort, min, 'the blocked pair was skipped');
    assert.equal(p.value.rtpPort % 2, 0);
    assert.equal(p.value.rtcpPort, p.value.rtpPort + 1);
    assert.equal(allocator.inUse, 1);
    await p.value.release();
    // And the range's free RTP port of the blocked pair was released again (can bind it).
    await udp(HOST, min);
  });

  test('never hands out a held pair twice (concurrent allocations), exhausts with an error value, rotates after release', async () => {
    for (let attempt = 0; ; attempt++) {
      const { min, max } = range(12); // 6 pairs
      const allocator = new PortAllocator({ min, max });
      const got = await Promise.all(Array.from({ length: 6 }, () => allocator.allocate(HOST)));
      const pairs = got.filter((g) => g.ok).map((g) => g.value);
      if (pairs.length < 6 && attempt < 10) {
        await Promise.all(pairs.map((p) => p.release())); // another process holds one: try another range
        continue;
      }
      assert.equal(pairs.length, 6);
      assert.equal(new Set(pairs.map((p) => p.rtpPort)).size, 6, 'distinct');
      const more = await allocator.allocate(HOST);
      assert.ok(!more.ok);
      assert.equal(more.error.code, 'VM_MEDIA_PORTS_EXHAUSTED');
      const freed = pairs[2]!.rtpPort;
      await pairs[2]!.release();
      await pairs[2]!.release(); // idempotent
      assert.equal(allocator.inUse, 5);
      const again = await allocator.allocate(HOST);
      assert.ok(again.ok);
      assert.equal(again.value.rtpPort, freed, 'the only free pair');
      await Promise.all([...pairs.map((p) => p.release()), again.value.release()]);
      const x = await allocator.allocate(HOST);
      const y = await allocator.allocate(HOST);
      assert.ok(x.ok && y.ok);
      await x.value.release();
      const z = await allocator.allocate(HOST);
      assert.ok(z.ok);
      assert.notEqual(z.value.rtpPort, x.value.rtpPort, 'a just-released pair is not reused at once');
      await Promise.all([y.value.release(), z.value.release()]);
      return;
    }
  });

  test('RtpSession.close() frees its ports: re-open on a one-pair range succeeds', async () => {
    for (let attempt = 0; ; attempt++) {
      const { min } = range(2);
      const allocator = new PortAllocator({ min, max: min + 1 });
      const first = await RtpSession.open({ allocator, localAddress: HOST, payloadType: 0, telephoneEventPayloadType: null, ptime: 20, remote: null, clock: systemClock, logger: log });
      if (!first.ok && attempt < 10) continue; // the pair is someone else's
      assert.ok(first.ok);
      const second = await RtpSession.open({ allocator, localAddress: HOST, payloadType: 0, telephoneEventPayloadType: null, ptime: 20, remote: null, clock: systemClock, logger: log });
      assert.ok(!second.ok && second.error.code === 'VM_MEDIA_PORTS_EXHAUSTED');
      await first.value.close();
      assert.equal(allocator.inUse, 0);
      const third = await RtpSession.open({ allocator, localAddress: HOST, payloadType: 0, telephoneEventPayloadType: null, ptime: 20, remote: null, clock: systemClock, logger: log });
      assert.ok(third.ok);
      assert.equal(third.value.localPort, min);
      await third.value.close();
      return;
    }
  });
});
}
