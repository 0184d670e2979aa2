/**
 * A hostile scanner against the SIP stack: sipvicious (Debian package `sipvicious`,
 * see docs REAL-PEERS.md). `svmap` must find the server (it is a SIP server, that is
 * no secret), but `svwar` must not learn any extension: with `notFoundApplication`
 * every user gets the same answer, so the scan reports "found nothing" for REGISTER,
 * INVITE and OPTIONS. Afterwards the server still answers, and once the transaction
 * timers (T1 = 50 ms, so 64×T1 = 3.2 s) have run, nothing is left behind.
 *
 * The tools are only ever pointed at 127.0.0.1 and bound to it (`-b`), with a local
 * port (`-P`) picked free for this run, so files can run in parallel.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { notFoundApplication, type SipStack } from '../../../src/sip/index.js';
import { portOf, startStack } from '../../support/stack.js';

const HOST = '127.0.0.1';
const TOOL_TIMEOUT_MS = 60_000;

interface ToolRun {
  readonly code: number | null;
  readonly output: string;
}

const children = new Set<ChildProcess>();

/** Run a scanner to completion; SIGKILL it (and fail) if it outlives the timeout. */
function runTool(cmd: string, args: readonly string[], timeoutMs = TOOL_TIMEOUT_MS): Promise<ToolRun> {
  for (const a of args) assert.ok(!/^\d+\.\d+\.\d+\.\d+/.test(a) || a === HOST, `only ${HOST} may be scanned, not ${a}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${String(timeoutMs)} ms; output:\n${output}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`cannot run ${cmd} (is the sipvicious package installed? see REAL-PEERS.md): ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, output });
    });
  });
}

/** A UDP port free on 127.0.0.1 right now, for the scanner's own socket (`-P`). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, HOST, () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Send one OPTIONS from a fresh socket and return the first response to it. */
async function sendOptions(port: number, callId: string, timeoutMs = 3000): Promise<string> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, HOST, () => r()));
  const local = sock.address().port;
  const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
  const msg =
    `OPTIONS sip:${HOST}:${String(port)} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP ${HOST}:${String(local)};branch=${branch};rport\r\n` +
    `Max-Forwards: 70\r\n` +
    `From: <sip:probe@${HOST}>;tag=${randomBytes(4).toString('hex')}\r\n` +
    `To: <sip:${HOST}:${String(port)}>\r\n` +
    `Call-ID: ${callId}\r\n` +
    `CSeq: 1 OPTIONS\r\n` +
    `Accept: application/sdp\r\n` +
    `Content-Length: 0\r\n\r\n`;
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to OPTIONS within ${String(timeoutMs)} ms`)), timeoutMs);
      sock.on('message', (buf) => {
        const text = buf.toString('latin1');
        if (!text.includes(callId)) return;
        clearTimeout(timer);
        resolve(text);
      });
      sock.send(msg, port, HOST);
    });
  } finally {
    sock.close();
  }
}

/** Poll until `check` holds or the time is up; returns whether it held. */
async function eventually(check: () => boolean, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** What svwar prints when it found at least one extension (log lines and its result table). */
const FOUND_RE = /extension '[^']*' (exists|probably exists)|we have \d+ extensions|\| Extension/;

describe('sipvicious against the stack (notFoundApplication, UDP on 127.0.0.1)', () => {
  let stack: SipStack;
  let port: number;

  before(async () => {
    stack = await startStack(notFoundApplication, { timers: { t1: 50 } });
    port = portOf(stack, 'udp');
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await stack.close();
  });

  test('svmap finds the server and its User-Agent', { timeout: TOOL_TIMEOUT_MS + 5000 }, async () => {
    const local = await freeUdpPort();
    const r = await runTool('svmap', ['-b', HOST, '-P', String(local), '-p', String(port), HOST]);
    assert.equal(r.code, 0, r.output);
    // +-----------------+--------------+
    // | 127.0.0.1:47531 | Voxmail-test |
    const row = new RegExp(`\\|\\s*127\\.0\\.0\\.1:${String(port)}\\s*\\|\\s*Voxmail-test\\s*\\|`);
    assert.match(r.output, row, `svmap did not list 127.0.0.1:${String(port)} with our Server header:\n${r.output}`);
  });

  for (const method of ['REGISTER', 'INVITE', 'OPTIONS'] as const) {
    test(`svwar -m ${method} -e100-199 finds no extension`, { timeout: TOOL_TIMEOUT_MS + 5000 }, async (t) => {
      const local = await freeUdpPort();
      // -vv: INFO and DEBUG logs, so we can see that it reached the server and what it sent.
      const args = ['-vv', '-b', HOST, '-P', String(local), '-p', String(port), '-e100-199', '-m', method, HOST];
      const r = await runTool('svwar', args);
      assert.equal(r.code, 0, r.output);
      // It talked to us: the sanity probe (a random extension) got an answer.
      assert.match(r.output, /Ok SIP device found/, `svwar never got an answer from the server:\n${r.output}`);
      assert.doesNotMatch(r.output, /No server response|Protocol \/ interopability error|unknown response/, r.output);
      assert.doesNotMatch(r.output, FOUND_RE, `svwar learned an extension:\n${r.output}`);
      assert.match(r.output, /found nothing/, r.output);
      const badUser = /Bad user = (.*)/.exec(r.output)?.[1] ?? '?';
      const sent = r.output.match(/sending request for /g)?.length ?? 0;
      if (method !== 'REGISTER') {
        // REGISTER gets 405 and svwar stops at once ("method not allowed"); the other two
        // methods go through the whole range, each answered like the unknown user.
        assert.equal(sent, 100, `svwar sent ${String(sent)} of 100 ${method}s:\n${r.output}`);
      }
      t.diagnostic(`svwar -m ${method}: reference answer "${badUser}", ${String(sent)} requests sent, nothing found`);
    });
  }

  test('afterwards the server still answers OPTIONS and holds no state', { timeout: 30_000 }, async () => {
    const callId = `after-scan-${randomBytes(6).toString('hex')}@${HOST}`;
    const res = await sendOptions(port, callId);
    assert.match(res, /^SIP\/2\.0 200 /, res);
    assert.match(res, new RegExp(`^Call-ID: ${callId.replace(/\./g, '\\.')}\r$`, 'm'), res);

    // svwar's ACKs to our 404s carry a new branch (RFC 3261 §17.1.1.3 wants the INVITE's),
    // so those INVITE transactions end by Timer H (64×T1 = 3.2 s); OPTIONS by Timer J.
    const drained = await eventually(() => {
      const s = stack.stats();
      return s.serverTransactions === 0 && s.clientTransactions === 0 && s.dialogs === 0;
    }, 15_000);
    assert.ok(drained, `state left after the timers expired: ${JSON.stringify(stack.stats())}`);
    assert.deepEqual(stack.stats(), { serverTransactions: 0, clientTransactions: 0, dialogs: 0, tcpConnections: 0 });
  });
});
