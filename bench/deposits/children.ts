/**
 * Child processes of the deposits bench (the server, SIPp), tracked so that none outlives
 * the bench: each is killed by its own pid when the bench exits, however it exits.
 * Free loopback ports for them.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

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

// Free loopback ports: the tests' helpers (bound to prove them free, released before use).
export { freeTcpPort, freeUdpBlock, freeUdpPort, freeUdpTcpPort } from '../../test/support/ports.js';
