/**
 * Diagnostic (not part of `npm run bench`): where the time goes between the caller's ACK
 * and the first recorded sample, per call, for N concurrent deposits. Captures the
 * server's outgoing RTP to SIPp with dumpcap (headers only) and reads each call's RTP
 * port from SIPp's -trace_msg, then reports per call:
 *
 *   greeting start  = first RTP packet the server sent − SIPp's ACK
 *   intro as sent   = last RTP packet before the recording − first + 20 ms (vs the prompts' length)
 *   beep → recording = where the recording starts in the caller's stream (sample-exact
 *                      alignment, ms after the ACK) − when the last beep packet was sent:
 *                      caller audio that arrived after the beep but was not recorded
 *
 *   npx tsx bench/deposits/intro-timing.ts 500        (BENCH_DEPOSITS_TALK_S, BENCH_DEPOSITS_RATE, BENCH_DEPOSITS_MEDIA_WORKERS)
 *
 * The capture costs CPU (dumpcap on loopback), so its figures are not for the tables.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMessages, introMs, makeCallerAudio, type CallExpectation } from './audio.js';
import { startServer, runCli } from './server.js';
import { SCENARIO_PAUSE_MS, startSipp } from './sipp.js';

const n = Number(process.argv[2] ?? 500);
const talkSeconds = Number(process.env['BENCH_DEPOSITS_TALK_S'] ?? 20);
const rate = Number(process.env['BENCH_DEPOSITS_RATE'] ?? Math.max(50, Math.ceil(n / (talkSeconds / 2))));
const RTP: [number, number] = [20_000, 39_999];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}
const dist = (xs: number[]): string =>
  xs.length === 0 ? 'n/a' : `min ${pct(xs, 0).toFixed(0)}, p50 ${pct(xs, 50).toFixed(0)}, p90 ${pct(xs, 90).toFixed(0)}, p99 ${pct(xs, 99).toFixed(0)}, max ${pct(xs, 100).toFixed(0)} ms (${String(xs.length)} calls)`;

const intro = introMs();
const audio = makeCallerAudio();
const dir = mkdtempSync(join(tmpdir(), 'voxmail-intro-timing-'));
const dataDir = join(dir, 'data');
const cap = join(dir, 'rtp.pcapng');
const msgLog = join(dir, 'messages.log');
const workers = Number(process.env['BENCH_DEPOSITS_MEDIA_WORKERS'] ?? 0); // media.workers of the server (default 0)
const server = await startServer({ dataDir, cwd: dir, rtpPorts: RTP, mediaWorkers: workers });
let dumpcap: ChildProcess | null = null;
try {
  await runCli(['mailbox', 'update', '100', '--quota', '100000', '--data', dataDir], dir);
  dumpcap = spawn('dumpcap', ['-i', 'lo', '-f', 'udp and src portrange 20000-39999 and dst portrange 45000-49999', '-s', '64', '-q', '-w', cap], { stdio: 'ignore' });
  await sleep(1500);
  const talkPauseMs = Math.round(talkSeconds * 1000 + intro.totalMs - SCENARIO_PAUSE_MS);
  console.log(`${String(n)} calls at ${String(rate)}/s, ${String(talkSeconds)} s talk; capturing the server's RTP`);
  const run = await startSipp({
    dir,
    target: { host: '127.0.0.1', port: server.sipPort },
    service: '100',
    ulaw: audio.ulaw,
    calls: n,
    rate,
    talkPauseMs,
    timeoutS: Math.ceil(n / rate + talkSeconds + 150),
    extraArgs: ['-trace_msg', '-message_file', msgLog],
  });
  const sipp = await run.done;
  const partial = join(dataDir, 'audio', '.partial');
  for (let i = 0; i < 300 && existsSync(partial) && readdirSync(partial).length > 0; i++) await sleep(200);
  const d = dumpcap;
  d.kill('SIGTERM');
  await new Promise((r) => d.once('exit', r));
  await server.child.stop(30_000);
  console.log(`SIPp: ${String(sipp.counters['SuccessfulCall'] ?? 0)} successful, ${String(sipp.counters['FailedCall'] ?? 0)} failed`);

  // Call-ID → the server's RTP port (m= line of the 200's SDP).
  const portOf = new Map<string, number>();
  for (const block of readFileSync(msgLog, 'latin1').split(/^-{10,} [\d-]+ [\d:.]+\r?\n/m)) {
    if (!/^UDP message received/.test(block) || !/\nSIP\/2\.0 200 OK/.test(block) || !/\nCSeq: *1 INVITE/i.test(block)) continue;
    const callId = /\nCall-ID: *(\S+)/i.exec(block)?.[1];
    const port = /\nm=audio (\d+) /.exec(block)?.[1];
    if (callId && port) portOf.set(callId, Number(port));
  }
  // Server port → first and last RTP packet to SIPp's RTP port (epoch s).
  const lines = execFileSync('tshark', ['-r', cap, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'udp.srcport', '-e', 'udp.dstport', '-E', 'separator=,'], {
    encoding: 'latin1',
    maxBuffer: 1 << 30,
  }).split('\n');
  const streams = new Map<number, { first: number; last: number; packets: number }>();
  for (const l of lines) {
    const [t, src, dst] = l.split(',');
    if (Number(dst) !== sipp.mediaPort) continue;
    const at = Number(t);
    const s = streams.get(Number(src));
    if (!s) streams.set(Number(src), { first: at, last: at, packets: 1 });
    else {
      s.last = at;
      s.packets++;
    }
  }
  const expectations = new Map<string, CallExpectation>();
  for (const [id, t] of sipp.calls) {
    if (t.ack !== undefined && t.bye !== undefined) expectations.set(id, { ackEpochMs: t.ack * 1000, ackToByeMs: (t.bye - t.ack) * 1000, expectedMs: (t.bye - t.ack) * 1000 - intro.totalMs });
  }
  const check = await checkMessages(dataDir, expectations, audio.pcm, intro.totalMs, 100);
  const greetingStart: number[] = [];
  const introSent: number[] = [];
  const beepToRecording: number[] = [];
  const recordingStart: number[] = [];
  const receivedAtVsBeep: number[] = [];
  for (const [id, t] of sipp.calls) {
    const port = portOf.get(id);
    const s = port === undefined ? undefined : streams.get(port);
    const c = check.perCall.get(id);
    if (!s || t.ack === undefined) continue;
    greetingStart.push((s.first - t.ack) * 1000);
    introSent.push((s.last - s.first) * 1000 + 20);
    if (c?.startDelayMs !== undefined) {
      const recStart = intro.totalMs + c.startDelayMs; // ms after the ACK, in the caller's stream
      recordingStart.push(recStart);
      beepToRecording.push(recStart - ((s.last - t.ack) * 1000 + 20));
    }
    if (c?.beepLateMs !== undefined) receivedAtVsBeep.push(intro.totalMs + c.beepLateMs - ((s.last - t.ack) * 1000 + 20));
  }
  console.log(`messages ${String(check.messages)}, complete ${String(check.complete)} (±100 ms of ACK→BYE − ${intro.totalMs.toFixed(1)} ms)`);
  console.log(`greeting start (first RTP − ACK):          ${dist(greetingStart)}`);
  console.log(`intro as sent (last − first RTP + 20 ms):   ${dist(introSent)}  [prompts: ${intro.totalMs.toFixed(1)} ms]`);
  console.log(`recording start (ms after ACK, stream):    ${dist(recordingStart)}`);
  console.log(`beep end → first recorded sample (lost):   ${dist(beepToRecording)}`);
  console.log(`receivedAt − beep end (the bench's proxy): ${dist(receivedAtVsBeep)}`);
} finally {
  if (dumpcap !== null && dumpcap.exitCode === null) dumpcap.kill('SIGKILL');
  if (server.child.proc.exitCode === null) await server.child.stop(5000);
  audio.cleanup();
  if (process.env['BENCH_DEPOSITS_KEEP'] === '1') console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
