/**
 * The server under test for the notifications bench: the built CLI
 * (`node dist/cli/bin.js serve`) in its own process on a fresh data directory, pointed
 * at the bench's SMTP server and SMSC, and the CLI data commands that configure the
 * demo mailbox and tenant. Readiness is `GET /healthz` answering 200 on the HTTP port the
 * bench chose: at `--log-level warn` the server does not print its "voxmail started" line.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopChild, type TrackedChild } from '../../test/support/child-processes.js';
import { freeUdpTcpPort } from '../../test/support/ports.js';
import { healthz, staleBuildNote as depositsStaleBuildNote } from '../deposits/server.js';

export const ROOT = join(import.meta.dirname, '..', '..');
/** The CLI measured: `dist/` of this checkout, or BENCH_NOTIFY_BIN (e.g. a build of HEAD made elsewhere). */
export const BIN = process.env['BENCH_NOTIFY_BIN'] || join(ROOT, 'dist', 'cli', 'bin.js');
const HOST = '127.0.0.1';

export interface NotifyServerOptions {
  readonly dataDir: string;
  readonly cwd: string;
  readonly smtpUrl: string;
  readonly smppUrl: string;
  readonly rtpPorts: readonly [number, number];
  readonly logLevel?: string;
}

export interface NotifyServer {
  readonly child: TrackedChild;
  readonly pid: number;
  readonly sipPort: number;
  readonly httpPort: number;
  readonly args: readonly string[];
  /** Lines logged at warn or above (JSON), the first few. */
  warnings(): { count: number; first: string[] };
  stop(): Promise<void>;
}

export async function startNotifyServer(o: NotifyServerOptions): Promise<NotifyServer> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build`);
  const sipPort = await freeUdpTcpPort();
  const httpPort = await freeUdpTcpPort();
  const args = [
    BIN, 'serve',
    '--data', o.dataDir,
    '--sip-host', HOST, '--sip-port', String(sipPort),
    '--http-host', HOST, '--http-port', String(httpPort),
    '--rtp-ports', `${String(o.rtpPorts[0])}-${String(o.rtpPorts[1])}`,
    '--smtp-url', o.smtpUrl,
    '--smpp-url', o.smppUrl,
    '--log-level', o.logLevel ?? 'warn',
  ];
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VOXMAIL_')) env[k] = v;
  const child = spawnTracked(process.execPath, args, { cwd: o.cwd, env });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.child.exitCode !== null || child.child.signalCode !== null) {
      throw new Error(`the server exited before it started (${String(child.child.exitCode ?? child.child.signalCode)}):\n${child.stdout.slice(-3000)}\n${child.stderr.slice(-3000)}`);
    }
    if (await healthz(httpPort, 500)) break;
    if (Date.now() > deadline) {
      await stopChild(child, 2000);
      throw new Error(`the server did not answer /healthz within 30 s:\n${child.stdout.slice(-3000)}\n${child.stderr.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let count = 0;
  const first: string[] = [];
  let partial = '';
  child.child.stdout?.on('data', (s: string) => {
    const lines = (partial + s).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      if (!/^\{"level":[4-6]\d/.test(l)) continue;
      count++;
      if (first.length < 5) first.push(l.slice(0, 600));
    }
  });
  return {
    child,
    pid: child.child.pid!,
    sipPort,
    httpPort,
    args,
    warnings: () => ({ count, first }),
    stop: () => stopChild(child, 10_000),
  };
}

/** Runs a CLI data command to completion; rejects on a non-zero exit. */
export function runCli(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 60_000 }, (e, stdout, stderr) => {
      if (e) reject(new Error(`voxmail ${args.join(' ')} failed: ${e.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A warning when a source file is newer than the build (the figures are those of dist/). */
export function staleBuildNote(): string | null {
  if (process.env['BENCH_NOTIFY_BIN']) return `server: BENCH_NOTIFY_BIN=${BIN}`;
  return depositsStaleBuildNote(BIN);
}
