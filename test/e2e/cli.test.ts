/**
 * The built command line, run as a user would: `node dist/cli/bin.js ...`.
 * Needs `npm run build` first (`npm test` builds before the e2e tests).
 * Everything binds 127.0.0.1 and port 0.
 */
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, finishCli, type CliRun } from '../support/cli.js';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'dist/cli/bin.js');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const tmp = mkdtempSync(join(tmpdir(), 'voxmail-cli-'));



function start(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bin, ...args], { cwd: tmp, env: cleanEnv(env) });
}


function run(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return finishCli(start(args, env));
}

before(() => {
  assert.ok(existsSync(bin), `${bin} is missing: run \`npm run build\` first (npm test does)`);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('voxmail --version / --help', () => {
  test('--version prints the package version', async () => {
    const r = await run(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${pkg.version}\n`);
  });

  test('--help lists the commands and exit codes', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: voxmail/);
    assert.match(r.stdout, /serve/);
    assert.match(r.stdout, /Exit codes:/);
  });

  test('serve --help lists every config flag with its environment variable', async () => {
    const r = await run(['serve', '--help']);
    assert.equal(r.code, 0, r.stderr);
    const expected: [flag: string, env: string][] = [
      ['--config <file>', 'VOXMAIL_CONFIG'],
      ['--data <dir>', 'VOXMAIL_DATA'],
      ['--sip-host <list>', 'VOXMAIL_SIP_HOST'],
      ['--sip-port <port>', 'VOXMAIL_SIP_PORT'],
      ['--http-host <ip>', 'VOXMAIL_HTTP_HOST'],
      ['--http-port <port>', 'VOXMAIL_HTTP_PORT'],
      ['--rtp-ports <A-B>', 'VOXMAIL_RTP_PORTS'],
      ['--log-level <level>', 'VOXMAIL_LOG_LEVEL'],
    ];
    for (const [flag, env] of expected) {
      assert.ok(r.stdout.includes(flag), `${flag} missing from:\n${r.stdout}`);
      assert.ok(r.stdout.includes(env), `${env} missing from:\n${r.stdout}`);
    }
  });
});

describe('usage and configuration errors exit with 2', () => {
  test('a bad --sip-port names sip.port on stderr', async () => {
    const r = await run(['serve', '--sip-port', 'abc', '--data', join(tmp, 'never')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /VM_CONFIG_INVALID/);
    assert.match(r.stderr, /sip\.port: must be an integer 0–65535 .*got "abc" from --sip-port/);
    assert.equal(r.stdout, '', 'nothing was started, nothing logged');
    assert.ok(!existsSync(join(tmp, 'never')), 'the data directory is not created for a bad config');
  });

  test('every problem is listed, from flags and environment alike', async () => {
    const r = await run(['serve', '--rtp-ports', '3-2', '--log-level', 'loud'], { VOXMAIL_HTTP_PORT: 'x', VOXMAIL_SIP_PROT: '1' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /rtp\.ports: must be "A-B" with even A < B in 1024–65535 \(got "3-2" from --rtp-ports\)/);
    assert.match(r.stderr, /log\.level: .*from --log-level/);
    assert.match(r.stderr, /http\.port: .*from VOXMAIL_HTTP_PORT/);
    assert.match(r.stderr, /VOXMAIL_SIP_PROT: is not a Voxmail setting/);
  });

  test('an unknown key in the config file is named with file and line', async () => {
    const file = join(tmp, 'typo.yaml');
    writeFileSync(file, 'sip:\n  port: 0\n  prot: 1\n');
    const r = await run(['serve', '--config', file]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`sip: unknown key "prot"`), r.stderr);
    assert.ok(r.stderr.includes(`${file}:3`), r.stderr);
  });

  test('a missing config file', async () => {
    const r = await run(['serve'], { VOXMAIL_CONFIG: join(tmp, 'nope.yaml') });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /config file: cannot be read: no such file/);
  });

  test('an unknown option', async () => {
    const r = await run(['serve', '--sip-prot', '5060']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--sip-prot'/);
  });

  test('an unknown command, and no command at all', async () => {
    const unknown = await run(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const none = await run([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: voxmail/);
  });
});

/** Reads JSON log lines from a running server until one matches. */
function waitForLog(child: ChildProcessWithoutNullStreams, msg: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => done(new Error(`no "${msg}" log line within ${String(timeoutMs)} ms\nstdout:\n${buffered}\nstderr:\n${stderr}`)), timeoutMs);
    const onErr = (s: Buffer): void => void (stderr += s.toString('utf8'));
    const onExit = (code: number | null): void => done(new Error(`voxmail exited with ${String(code)} before "${msg}"\nstdout:\n${buffered}\nstderr:\n${stderr}`));
    const onData = (s: Buffer): void => {
      buffered += s.toString('utf8');
      for (const line of buffered.split('\n').slice(0, -1)) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === msg) return done(undefined, entry);
      }
    };
    function done(e: Error | undefined, entry?: Record<string, unknown>): void {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onErr);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(entry!);
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', onErr);
    child.on('exit', onExit);
  });
}

interface Health {
  status: string;
  version: string;
  sip: { transport: string; host: string; port: number }[];
}

describe('voxmail serve', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`starts on loopback, answers /healthz, stops on ${signal} with exit 0`, async () => {
      const data = join(tmp, `data-${signal}`, 'nested');
      const child = start(['serve', '--sip-host', '127.0.0.1', '--sip-port', '0', '--http-port', '0', '--data', data]);
      const exited = finishCli(child);
      try {
        const started = await waitForLog(child, 'voxmail started');
        const http = started.http as { host: string; port: number };
        assert.equal(http.host, '127.0.0.1');
        assert.ok(http.port > 0);
        assert.ok(statSync(data).isDirectory(), 'the data directory was created');

        const res = await fetch(`http://127.0.0.1:${String(http.port)}/healthz`);
        assert.equal(res.status, 200);
        const health = (await res.json()) as Health;
        assert.equal(health.status, 'ok');
        assert.equal(health.version, pkg.version);
        assert.deepEqual([...new Set(health.sip.map((a) => a.transport))].sort(), ['tcp', 'udp']);
        for (const a of health.sip) {
          assert.equal(a.host, '127.0.0.1');
          assert.ok(Number.isInteger(a.port) && a.port > 0, `bound port ${String(a.port)}`);
        }
        assert.deepEqual(health.sip, started.sip, 'the log and /healthz agree');

        const missing = await fetch(`http://127.0.0.1:${String(http.port)}/nope`);
        assert.equal(missing.status, 404);
        assert.match(missing.headers.get('content-type') ?? '', /^application\/json/);
        await missing.body?.cancel();
      } finally {
        child.kill(signal);
      }
      const r = await exited;
      assert.equal(r.signal, null, `killed by ${String(r.signal)}:\n${r.stderr}`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
      assert.ok(messages.includes('voxmail stopped'), messages.join('\n'));
    });
  }

  test('--nice sets every thread of the server, the media workers and the store writer started after included', async () => {
    // A positive niceness: any user may lower their own priority, and it proves the setting
    // reaches every thread as well as a negative one would (which needs root).
    const { threads, run } = await threadsWhileServing(join(tmp, 'd-nice'), ['--nice', '4']);
    const shown = JSON.stringify(threads);
    assert.deepEqual(threads.filter((t) => t.comm.startsWith('vx-media-')).map((t) => t.nice), [4, 4], `both media workers at 4: ${shown}`);
    assert.ok(threads.length >= 6, `the server has its helper threads too: ${shown}`);
    assert.deepEqual(threads.filter((t) => t.nice !== 4), [], `every thread at nice 4: ${shown}`);
    assert.match(run.stdout, /"msg":"process priority set"/, 'the log says the priority was set');
  });

  test('--sip-thread-nice sets the main thread alone: the media workers and the store writer it starts give the niceness back', async () => {
    // A positive niceness, which any user may set (a negative one needs root): what matters is
    // that it stays on the SIP thread, which would hand it to every thread it starts.
    const { pid, threads, run } = await threadsWhileServing(join(tmp, 'd-sip-nice'), ['--sip-thread-nice', '5']);
    const shown = JSON.stringify(threads);
    assert.deepEqual(threads.filter((t) => t.tid === pid).map((t) => t.nice), [5], `the main thread at 5: ${shown}`);
    assert.deepEqual(threads.filter((t) => t.comm.startsWith('vx-media-')).map((t) => t.nice), [0, 0], `both media workers at 0: ${shown}`);
    assert.ok(threads.length >= 8, `the store writer and the helpers are there too: ${shown}`);
    assert.deepEqual(threads.filter((t) => t.tid !== pid && t.nice !== 0), [], `every other thread at 0: ${shown}`);
    assert.match(run.stdout, /"msg":"SIP thread priority set"/, 'the log says the priority was set');
  });

  /**
   * `serve` with two media workers and the store writer thread, plus `args`: every thread of
   * it once it answers /healthz (serving, its signal handlers installed), then stopped.
   */
  async function threadsWhileServing(data: string, args: string[]): Promise<{ pid: number; threads: ThreadInfo[]; run: CliRun }> {
    const child = start([
      'serve', '--sip-host', '127.0.0.1', '--sip-port', '0', '--http-port', '0', '--data', data,
      '--media-workers', '2', '--store-writer', 'worker', '--rtp-ports', '41000-41999', ...args,
    ]);
    const exited = finishCli(child);
    let threads: ThreadInfo[];
    try {
      const started = await waitForLog(child, 'voxmail started');
      const res = await fetch(`http://127.0.0.1:${String((started.http as { port: number }).port)}/healthz`);
      assert.equal(res.status, 200);
      await res.body?.cancel();
      threads = threadsOf(child.pid!);
    } finally {
      child.kill('SIGTERM');
    }
    const run = await exited;
    assert.equal(run.code, 0, run.stderr);
    return { pid: child.pid!, threads, run };
  }

  test('--nice -5 without the right to raise priority: the server runs as started and says why', async (t) => {
    // As root, run the server as nobody; as anyone else, we lack the right ourselves.
    const asNobody = process.getuid?.() === 0;
    const data = mkdtempSync(join(tmpdir(), 'voxmail-nice-'));
    chmodSync(data, 0o777);
    t.after(() => rmSync(data, { recursive: true, force: true }));
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--sip-host', '127.0.0.1', '--sip-port', '0', '--http-port', '0', '--data', join(data, 'd'), '--nice', '-5'],
      { cwd: data, env: cleanEnv(), ...(asNobody ? { uid: 65534, gid: 65534 } : {}) },
    );
    const exited = finishCli(child);
    try {
      const started = await waitForLog(child, 'voxmail started');
      const http = started.http as { port: number };
      const res = await fetch(`http://127.0.0.1:${String(http.port)}/healthz`);
      assert.equal(res.status, 200, 'the server works at its normal priority');
      await res.body?.cancel();
      for (const { tid, nice } of threadsOf(child.pid!)) assert.equal(nice, 0, `thread ${String(tid)} kept the priority it was started with`);
    } finally {
      child.kill('SIGTERM');
    }
    const r = await exited;
    assert.equal(r.code, 0, r.stderr);
    const refusal = r.stdout.split('\n').find((l) => l.includes('the process keeps its priority'));
    assert.ok(refusal, `the log says the priority was kept:\n${r.stdout.slice(0, 2000)}`);
    assert.match(refusal, /"error":"(EACCES|EPERM)"/, 'and names why');
  });

  for (const moment of ['voxmail starting', 'voxmail started'] as const) {
    test(`SIGTERM at once on "${moment}": stopped gracefully (exit 0) once up, every time`, async () => {
      // Before, a SIGTERM in start-up or just after the "started" line killed the process
      // where it stood (no stop handler yet), in about half of the tries.
      for (let i = 0; i < 3; i++) {
        const child = start(['serve', '--sip-host', '127.0.0.1', '--sip-port', '0', '--http-port', '0', '--data', join(tmp, `d-early-${String(i)}`), '--media-workers', '1']);
        const exited = finishCli(child);
        await waitForLog(child, moment);
        child.kill('SIGTERM');
        const r = await exited;
        assert.equal(r.signal, null, `try ${String(i)}: killed by ${String(r.signal)}`);
        assert.equal(r.code, 0, `try ${String(i)}: ${r.stderr}`);
        const messages = r.stdout.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { msg: string }).msg);
        assert.ok(messages.includes('voxmail stopped'), `try ${String(i)}: ${messages.join(' | ')}`);
      }
    });
  }

  test('an HTTP port already taken: exit 1 with VM_HTTP_LISTEN_FAILED', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const r = await run(['serve', '--sip-host', '127.0.0.1', '--sip-port', '0', '--http-port', String(port), '--data', join(tmp, 'd2')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot start: VM_HTTP_LISTEN_FAILED: .*EADDRINUSE/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

interface ThreadInfo {
  readonly tid: number;
  readonly comm: string;
  readonly nice: number;
}

/** Every thread of a process: its id, name and niceness (Linux /proc). */
function threadsOf(pid: number): ThreadInfo[] {
  return readdirSync(`/proc/${String(pid)}/task`).map((tid) => {
    const comm = readFileSync(`/proc/${String(pid)}/task/${tid}/comm`, 'utf8').trim();
    const stat = readFileSync(`/proc/${String(pid)}/task/${tid}/stat`, 'utf8');
    // Field 19 of stat is the niceness: the 17th after "(comm) ".
    return { tid: Number(tid), comm, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
  });
}
