/**
 * Child processes started by the real-peer tests (SIPp, Kamailio). Every child is
 * tracked so that a test file can kill what it started, by pid, even when an assertion
 * failed half-way (`after(killChildren)`), and so that none outlives the test process.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

const live = new Set<ChildProcess>();

process.on('exit', () => {
  for (const c of live) killTree(c, 'SIGKILL');
});
// The test runner stops a file that overruns with a signal: take the children along.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const c of live) killTree(c, 'SIGKILL');
    process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
  });
}

/** Fail loudly (never skip) when a peer tool is not installed. */
export function requireTool(command: string, hint: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status !== 0 || path === '') {
    throw new Error(`${command} is not installed; these tests need it (${hint}). See ../shared/docs/REAL-PEERS.md.`);
  }
  return path;
}

/**
 * Spawn a tracked child in its own process group (so Kamailio's worker processes can
 * be signalled with it). stdout/stderr are collected into the returned `output`.
 */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): TrackedChild {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const tracked: TrackedChild = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => {
      child.on('error', (err) => {
        tracked.stderr += `\nspawn error: ${err.message}`;
        live.delete(child);
        resolve({ code: null, signal: null });
      });
      child.on('close', (code, signal) => {
        live.delete(child);
        resolve({ code, signal });
      });
    }),
  };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (tracked.stdout = cap(tracked.stdout + s)));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (tracked.stderr = cap(tracked.stderr + s)));
  return tracked;
}

export interface TrackedChild {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Signal a child's whole process group (it was spawned detached, so pgid = pid). */
export function killTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** Stop a child: SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
export async function stopChild(t: TrackedChild, graceMs = 2000): Promise<void> {
  if (t.child.exitCode !== null || t.child.signalCode !== null) return;
  killTree(t.child, 'SIGTERM');
  const timer = setTimeout(() => killTree(t.child, 'SIGKILL'), graceMs);
  await t.exited;
  clearTimeout(timer);
  // Kamailio's workers may linger a moment after the main process: make sure.
  killTree(t.child, 'SIGKILL');
}

/** Kill every child this process started and still runs (for `after` hooks). */
export async function killChildren(): Promise<void> {
  const all = [...live];
  for (const c of all) killTree(c, 'SIGKILL');
  await Promise.all(all.map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('close', () => r())))));
}

/** Keep collected output bounded (the tail is what matters in a failure message). */
function cap(s: string, max = 200_000): string {
  return s.length > max ? s.slice(s.length - max) : s;
}
