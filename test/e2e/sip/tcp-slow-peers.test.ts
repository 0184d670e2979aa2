/**
 * TCP peers that are slow, silent, oversized or broken (RFC 3261 §18.3 framing, our
 * `limits`): none of them may hold a connection, memory or the event loop for long,
 * and none may delay well-behaved peers on TCP or UDP.
 *
 * Stacks used (all on 127.0.0.1, port 0, T1 = 50 ms):
 * - `short`: tcpIdleTimeoutMs 1000, tcpMessageTimeoutMs 1000 — cases (a)–(e), (g), and a
 *   busy peer whose reads always end mid-message (the message timer must restart with
 *   each completed message, not run from the first one);
 * - `msgOnly`: idle 60 s, message 1 s — shows that the *message* timer alone cuts a
 *   trickling peer off (with both at 1 s either timer could have done it);
 * - `noTimers`: idle and message 60 s, maxMessageBytes 4096 — shows that an oversized
 *   header section is refused for its size, not by a timer;
 * - `capped`: tcpMaxConnections 5, idle/message 1 s — case (f).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { notFoundApplication, type SipLimits, type SipStack } from '../../../src/sip/index.js';
import { portOf, startStack } from '../../support/stack.js';

const HOST = '127.0.0.1';

// --- helpers ---------------------------------------------------------------------

interface Peer {
  readonly socket: net.Socket;
  /** Everything received so far, latin1. */
  readonly text: () => string;
  /** Resolves with ms from connect to 'close'. */
  readonly closed: Promise<number>;
  readonly isClosed: () => boolean;
  /** Whether the server half-closed (FIN) or reset. */
  readonly how: () => 'end' | 'reset' | 'open';
  readonly connectedAt: number;
}

const peers = new Set<net.Socket>();

async function connectPeer(port: number): Promise<Peer> {
  const socket = net.connect({ host: HOST, port, noDelay: true });
  peers.add(socket);
  let data = '';
  let isClosed = false;
  let how: 'end' | 'reset' | 'open' = 'open';
  socket.setEncoding('latin1');
  socket.on('data', (s: string) => (data += s));
  socket.on('end', () => {
    if (how === 'open') how = 'end';
  });
  socket.on('error', () => {
    if (how === 'open') how = 'reset';
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const connectedAt = performance.now();
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      peers.delete(socket);
      resolve(performance.now() - connectedAt);
    }),
  );
  return { socket, text: () => data, closed, isClosed: () => isClosed, how: () => how, connectedAt };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${String(ms)} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Wait until the peer has received text matching `re` (checked on every 'data'). */
function received(peer: Peer, re: RegExp, ms: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = (e: Error | null): void => {
      clearTimeout(timer);
      peer.socket.off('data', onData);
      peer.socket.off('close', onClose);
      if (e) reject(e);
      else resolve(peer.text());
    };
    const onData = (): void => {
      if (re.test(peer.text())) done(null);
    };
    const onClose = (): void => {
      if (re.test(peer.text())) done(null);
      else done(new Error(`${what}: connection closed before ${String(re)}; got ${tail(peer.text())}`));
    };
    const timer = setTimeout(() => done(new Error(`${what}: no ${String(re)} within ${String(ms)} ms; got ${tail(peer.text())}`)), ms);
    // Our own 'data' listener (registered first, in connectPeer) has already appended.
    peer.socket.on('data', onData);
    peer.socket.on('close', onClose);
    if (peer.isClosed()) onClose();
    else onData();
  });
}

/** The end of a long received text, for error messages. */
function tail(s: string, n = 400): string {
  return JSON.stringify(s.length > n ? `…(${String(s.length)} chars) ${s.slice(-n)}` : s);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) return false;
    await sleep(20);
  }
  return true;
}

function options(transport: 'TCP' | 'UDP', port: number, callId: string, localPort = 9): string {
  return (
    `OPTIONS sip:${HOST}:${String(port)} SIP/2.0\r\n` +
    `Via: SIP/2.0/${transport} ${HOST}:${String(localPort)};branch=z9hG4bK${randomBytes(8).toString('hex')};rport\r\n` +
    `Max-Forwards: 70\r\n` +
    `From: <sip:probe@${HOST}>;tag=${randomBytes(4).toString('hex')}\r\n` +
    `To: <sip:${HOST}:${String(port)}>\r\n` +
    `Call-ID: ${callId}\r\n` +
    `CSeq: 1 OPTIONS\r\n` +
    `Content-Length: 0\r\n\r\n`
  );
}

const newCallId = (label: string): string => `${label}-${randomBytes(6).toString('hex')}`;

/** A 200 to our OPTIONS with our Call-ID, as one regexp over the received stream. */
const okFor = (callId: string): RegExp => new RegExp(`SIP/2\\.0 200 [^\\r]*\\r\\n(?:[^\\r]+\\r\\n)*?Call-ID: ${callId}\\r\\n`);

/** A complete OPTIONS over a fresh TCP connection; resolves with the round-trip time. */
async function tcpOptions(port: number, label: string, ms = 1000): Promise<number> {
  const peer = await connectPeer(port);
  const callId = newCallId(label);
  const t0 = performance.now();
  peer.socket.write(options('TCP', port, callId, peer.socket.localPort));
  await received(peer, okFor(callId), ms, `TCP OPTIONS (${label})`);
  const rtt = performance.now() - t0;
  peer.socket.destroy();
  return rtt;
}

/** One OPTIONS over UDP; resolves with the round-trip time. */
async function udpOptions(port: number, label: string, ms = 1000): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, HOST, () => r()));
  const callId = newCallId(label);
  try {
    return await withTimeout(
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        sock.on('message', (buf) => {
          if (okFor(callId).test(buf.toString('latin1'))) resolve(performance.now() - t0);
        });
        sock.send(options('UDP', port, callId, sock.address().port), port, HOST);
      }),
      ms,
      `UDP OPTIONS (${label})`,
    );
  } finally {
    sock.close();
  }
}

/**
 * Writes a never-ending OPTIONS header one byte every `everyMs` until the connection
 * closes. Returns how many bytes were written.
 */
function trickle(peer: Peer, port: number, everyMs = 100): { bytes: () => number; stop: () => void } {
  const text = options('TCP', port, newCallId('trickle')).replace(/\r\n\r\n$/, '\r\n') + 'X-Slow: ' + 'a'.repeat(10_000);
  let i = 0;
  const timer = setInterval(() => {
    if (peer.isClosed() || peer.socket.destroyed || i >= text.length) return;
    peer.socket.write(text[i++]!);
  }, everyMs);
  void peer.closed.then(() => clearInterval(timer));
  return { bytes: () => i, stop: () => clearInterval(timer) };
}

/** A header section of `size` bytes that never ends (no empty line), written in `chunks` pieces. */
async function sendEndlessHeader(peer: Peer, port: number, size: number, chunks = 1, gapMs = 0): Promise<void> {
  let text = options('TCP', port, newCallId('big')).replace(/\r\n\r\n$/, '\r\n');
  let n = 0;
  while (text.length < size) text += `X-Filler-${String(n++)}: ${'b'.repeat(200)}\r\n`;
  const step = Math.ceil(text.length / chunks);
  for (let off = 0; off < text.length && !peer.isClosed(); off += step) {
    peer.socket.write(text.slice(off, off + step));
    if (gapMs > 0) await sleep(gapMs);
  }
}

async function assertNoConnections(stack: SipStack, what: string): Promise<void> {
  const ok = await eventually(() => stack.stats().tcpConnections === 0, 3000);
  assert.ok(ok, `${what}: tcpConnections did not return to 0: ${JSON.stringify(stack.stats())}`);
}

async function start(limits: Partial<SipLimits>): Promise<SipStack> {
  return startStack(notFoundApplication, { timers: { t1: 50 }, limits });
}

after(() => {
  for (const s of peers) s.destroy();
});

// --- tests -----------------------------------------------------------------------

describe('TCP slow and hostile peers (idle 1 s, message 1 s)', () => {
  let stack: SipStack;
  let port: number;
  let udpPort: number;

  before(async () => {
    stack = await start({ tcpIdleTimeoutMs: 1000, tcpMessageTimeoutMs: 1000 });
    port = portOf(stack, 'tcp');
    udpPort = portOf(stack, 'udp');
  });
  after(() => stack.close());

  test('(a) a peer that connects and sends nothing is closed after the idle timeout', async () => {
    const peer = await connectPeer(port);
    await eventually(() => stack.stats().tcpConnections === 1, 500);
    const ms = await withTimeout(peer.closed, 3000, 'idle connection close');
    assert.ok(ms >= 900, `closed after ${ms.toFixed(0)} ms, before the 1000 ms idle timeout`);
    assert.equal(peer.text(), '', 'nothing should have been sent to a silent peer');
    await assertNoConnections(stack, '(a)');
  });

  test('(b) a peer trickling a header a byte every 100 ms is cut off after the message timeout', async () => {
    const peer = await connectPeer(port);
    const t = trickle(peer, port);
    const ms = await withTimeout(peer.closed, 3000, 'trickling connection close');
    t.stop();
    assert.ok(t.bytes() >= 8, `only ${String(t.bytes())} bytes were sent before the close`);
    assert.ok(ms >= 900 && ms < 3000, `closed after ${ms.toFixed(0)} ms`);
    await assertNoConnections(stack, '(b)');
  });

  test('(c) a header section larger than maxMessageBytes (65,535) without an empty line is closed', async () => {
    const peer = await connectPeer(port);
    await sendEndlessHeader(peer, port, 70_000);
    const ms = await withTimeout(peer.closed, 3000, 'oversized header close');
    assert.ok(ms < 3000);
    // Nothing usable to answer (RFC 3261 §18.3 framing is lost): the server just closes.
    assert.doesNotMatch(peer.text(), /SIP\/2\.0 200/);
    await assertNoConnections(stack, '(c)');
  });

  test('(d) two Content-Length headers: 400 with our Call-ID, then the connection is closed', async () => {
    const peer = await connectPeer(port);
    const callId = newCallId('two-cl');
    const msg = options('TCP', port, callId, peer.socket.localPort).replace('Content-Length: 0\r\n', 'Content-Length: 0\r\nContent-Length: 4\r\n') + 'abcd';
    peer.socket.write(msg);
    const text = await received(peer, /SIP\/2\.0 400 [^\r]*\r\n(?:[^\r]+\r\n)*\r\n/, 1000, 'answer to two Content-Lengths');
    assert.match(text, /^SIP\/2\.0 400 /);
    assert.match(text, new RegExp(`\\r\\nCall-ID: ${callId}\\r\\n`));
    assert.match(text, /\r\nCSeq: 1 OPTIONS\r\n/);
    const ms = await withTimeout(peer.closed, 2500, 'close after the 400');
    assert.ok(ms < 2500);
    assert.equal(peer.how(), 'end', 'the server should close with FIN after sending the 400, not reset');
    await assertNoConnections(stack, '(d)');
  });

  test('(e) while (a)–(c) hang, good TCP and UDP peers are answered promptly', async (t) => {
    const idle = await connectPeer(port);
    const slow = await connectPeer(port);
    const trickler = trickle(slow, port);
    const big = await connectPeer(port);
    // The oversized header arrives over ~600 ms, so it is "hanging" during the probes too.
    const bigSend = sendEndlessHeader(big, port, 70_000, 12, 50);
    await sleep(150);

    const rtts: number[] = [];
    const udp: number[] = [];
    for (let i = 0; i < 5; i++) {
      rtts.push(await tcpOptions(port, `good-tcp-${String(i)}`, 500));
      udp.push(await udpOptions(udpPort, `good-udp-${String(i)}`, 500));
      await sleep(60);
    }
    assert.ok(!idle.isClosed() && !slow.isClosed(), 'the probes ran while the bad peers were still connected');
    t.diagnostic(`TCP OPTIONS rtt ms: ${rtts.map((x) => x.toFixed(1)).join(' ')}; UDP: ${udp.map((x) => x.toFixed(1)).join(' ')}`);
    assert.ok(Math.max(...rtts, ...udp) < 500);

    await bigSend;
    await withTimeout(Promise.all([idle.closed, slow.closed, big.closed]), 3500, 'bad peers closed');
    trickler.stop();
    await assertNoConnections(stack, '(e)');
  });

  test('(g) a CRLF CRLF keep-alive gets a CRLF pong (RFC 5626 §3.5.1), and the connection still works', async () => {
    const peer = await connectPeer(port);
    peer.socket.write('\r\n\r\n');
    await received(peer, /^\r\n$/, 500, 'pong');
    const callId = newCallId('after-ping');
    peer.socket.write(options('TCP', port, callId, peer.socket.localPort));
    await received(peer, okFor(callId), 500, 'OPTIONS after the ping');
    assert.ok(peer.text().startsWith('\r\nSIP/2.0 200 '), JSON.stringify(peer.text().slice(0, 40)));
    peer.socket.destroy();
    await assertNoConnections(stack, '(g)');
  });

  test('a peer pipelining messages so that every read ends mid-message is not cut off by the message timer', async () => {
    // Every write holds the end of one OPTIONS and the start of the next: the connection
    // is busy and every message completes in ms, so neither timer may close it.
    const peer = await connectPeer(port);
    const local = peer.socket.localPort!;
    const ids: string[] = [];
    const all = Array.from({ length: 40 }, (_, i) => {
      ids.push(newCallId(`pipe-${String(i)}`));
      return options('TCP', port, ids[i]!, local);
    }).join('');
    const per = Math.ceil(all.length / 40);
    for (let off = 0; off < all.length; off += per) {
      peer.socket.write(all.slice(off, off + per));
      await sleep(70); // 40 writes over ~2.8 s: longer than the 1 s message timeout
    }
    await received(peer, okFor(ids.at(-2)!), 1000, 'answers to the pipelined messages');
    assert.ok(!peer.isClosed(), 'connection closed while messages kept completing');
    peer.socket.destroy();
    await assertNoConnections(stack, 'pipelining');
  });

  test('stats: no TCP connection and no transaction left once the timers ran', async () => {
    const drained = await eventually(() => {
      const s = stack.stats();
      return s.serverTransactions === 0 && s.tcpConnections === 0 && s.dialogs === 0;
    }, 5000);
    assert.ok(drained, JSON.stringify(stack.stats()));
    assert.deepEqual(stack.stats(), { serverTransactions: 0, clientTransactions: 0, dialogs: 0, tcpConnections: 0 });
  });
});

describe('the message timer alone cuts off a trickling peer (idle 60 s, message 1 s)', () => {
  let stack: SipStack;
  let port: number;
  before(async () => {
    stack = await start({ tcpIdleTimeoutMs: 60_000, tcpMessageTimeoutMs: 1000 });
    port = portOf(stack, 'tcp');
  });
  after(() => stack.close());

  test('(b) trickle a byte every 100 ms: closed ~1 s after the first byte, bytes still arriving', async () => {
    const peer = await connectPeer(port);
    const t = trickle(peer, port);
    const ms = await withTimeout(peer.closed, 3000, 'trickling connection close');
    t.stop();
    assert.ok(t.bytes() >= 8, `only ${String(t.bytes())} bytes sent`);
    assert.ok(ms >= 900, `closed after ${ms.toFixed(0)} ms`);
    await assertNoConnections(stack, '(b) msgOnly');
  });

  test('an idle peer is not closed by the message timer', async () => {
    const peer = await connectPeer(port);
    await sleep(1500);
    assert.ok(!peer.isClosed(), 'an idle connection must wait for the 60 s idle timeout');
    peer.socket.destroy();
    await assertNoConnections(stack, 'idle msgOnly');
  });
});

describe('an oversized header section is refused for its size (timers 60 s, maxMessageBytes 4096)', () => {
  let stack: SipStack;
  let port: number;
  before(async () => {
    stack = await start({ tcpIdleTimeoutMs: 60_000, tcpMessageTimeoutMs: 60_000, maxMessageBytes: 4096 });
    port = portOf(stack, 'tcp');
  });
  after(() => stack.close());

  test('(c) 5 kB of header lines without an empty line: closed at once, not by a timer', async () => {
    const peer = await connectPeer(port);
    await sendEndlessHeader(peer, port, 5000, 5, 20);
    const ms = await withTimeout(peer.closed, 2500, 'oversized header close');
    assert.ok(ms < 2500);
    await assertNoConnections(stack, '(c) noTimers');
  });

  test('a complete message larger than maxMessageBytes (by Content-Length) gets 513 and is closed', async () => {
    const peer = await connectPeer(port);
    const callId = newCallId('too-big');
    const body = 'x'.repeat(5000);
    peer.socket.write(options('TCP', port, callId, peer.socket.localPort).replace('Content-Length: 0', `Content-Length: ${String(body.length)}`) + body);
    const text = await received(peer, /SIP\/2\.0 513 [^\r]*\r\n(?:[^\r]+\r\n)*\r\n/, 1000, 'answer to an oversized message');
    assert.match(text, new RegExp(`\\r\\nCall-ID: ${callId}\\r\\n`));
    await withTimeout(peer.closed, 2500, 'close after the 513');
    await assertNoConnections(stack, '513');
  });
});

describe('(f) connection cap (tcpMaxConnections 5, idle 1 s)', () => {
  let stack: SipStack;
  let port: number;
  before(async () => {
    stack = await start({ tcpMaxConnections: 5, tcpIdleTimeoutMs: 1000, tcpMessageTimeoutMs: 1000 });
    port = portOf(stack, 'tcp');
  });
  after(() => stack.close());

  test('10 idle connections: at most 5 stay open; a fresh OPTIONS is answered once they time out', async (t) => {
    const idle = await Promise.all(Array.from({ length: 10 }, () => connectPeer(port)));
    await sleep(300);
    const open = idle.filter((p) => !p.isClosed()).length;
    t.diagnostic(`open after 300 ms: ${String(open)} of 10; server holds ${String(stack.stats().tcpConnections)}`);
    assert.ok(open <= 5, `${String(open)} connections stayed open past the cap of 5`);
    assert.ok(stack.stats().tcpConnections <= 5, JSON.stringify(stack.stats()));

    const times = await withTimeout(Promise.all(idle.map((p) => p.closed)), 3500, 'idle connections closed');
    assert.ok(Math.max(...times) < 3500);
    await assertNoConnections(stack, '(f) idle');

    const rtt = await tcpOptions(port, 'after-cap', 1000);
    t.diagnostic(`OPTIONS on a fresh connection after the idle ones closed: ${rtt.toFixed(1)} ms`);
    await assertNoConnections(stack, '(f) after');
  });
});
