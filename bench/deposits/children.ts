/**
 * Child processes of the deposits bench (the server, SIPp), tracked so that none outlives
 * the bench: each is killed by its own pid when the bench exits, however it exits.
 * Free loopback ports for them.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** The last 64 KiB of stdout / stderr. */
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves when it is gone. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `command args` through `bash -c 'ulimit -n N; exec "$@"'`, so the child gets a
 * higher file-descriptor limit (each call holds sockets) and keeps bash's pid.
 */
export function spawnWithFdLimit(command: string, args: readonly string[], options: SpawnOptions & { fdLimit?: number } = {}): Child {
  const limit = options.fdLimit ?? 65536;
  const script = `ulimit -n ${String(limit)} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"`;
  const proc = spawn('bash', ['-c', script, 'bash', command, ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`cannot start ${command}`);
  live.add(proc);
  let out = '';
  let errText = '';
  const max = 64 * 1024;
  proc.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out = (out + s).slice(-max);
  });
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => {
    errText = (errText + s).slice(-max);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
    proc.once('error', () => {
      live.delete(proc);
      resolve({ code: null, signal: null });
    });
  });
  const stop = async (timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      proc.kill('SIGTERM');
      const r = await exited;
      clearTimeout(timer);
      return r;
    }
    return exited;
  };
  return { proc, pid: proc.pid, stdout: () => out, stderr: () => errText, exited, stop };
}

const HOST = '127.0.0.1';

function bindUdp(port: number): Promise<dgram.Socket | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(null);
    });
    s.bind(port, HOST, () => resolve(s));
  });
}

function listenTcp(port: number): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen(port, HOST, () => resolve(srv));
  });
}

const closeUdp = (s: dgram.Socket): Promise<void> => new Promise((r) => s.close(() => r()));
const closeTcp = (s: net.Server): Promise<void> => new Promise((r) => s.close(() => r()));

/** A port free for both UDP and TCP on 127.0.0.1 (the server binds SIP on both). */
export async function freeUdpTcpPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const u = await bindUdp(0);
    if (!u) continue;
    const port = u.address().port;
    const t = await listenTcp(port);
    await closeUdp(u);
    if (t) {
      await closeTcp(t);
      return port;
    }
  }
  throw new Error('no free UDP+TCP port');
}

export async function freeTcpPort(): Promise<number> {
  const t = await listenTcp(0);
  if (!t) throw new Error('no free TCP port');
  const port = (t.address() as net.AddressInfo).port;
  await closeTcp(t);
  return port;
}

export async function freeUdpPort(): Promise<number> {
  const u = await bindUdp(0);
  if (!u) throw new Error('no free UDP port');
  const port = u.address().port;
  await closeUdp(u);
  return port;
}

/** The first port of `count` consecutive free UDP ports (even start) in [min, max]. */
export async function freeUdpBlock(count: number, min: number, max: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const start = min + 2 * Math.floor((Math.random() * (max - min - count)) / 2);
    const held: dgram.Socket[] = [];
    for (let p = start; p < start + count; p++) {
      const s = await bindUdp(p);
      if (!s) break;
      held.push(s);
    }
    const ok = held.length === count;
    for (const s of held) await closeUdp(s);
    if (ok) return start;
  }
  throw new Error(`no ${String(count)} free UDP ports in ${String(min)}–${String(max)}`);
}
