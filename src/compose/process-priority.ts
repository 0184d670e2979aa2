/**
 * `process.nice`: the niceness of the whole server, every thread of it.
 *
 * Why every thread and not `os.setPriority(pid)`: on Linux a niceness belongs to a thread
 * (setpriority(PRIO_PROCESS, tid) changes that one thread), and a new thread starts with
 * the niceness of the thread that made it. So the threads that exist at start — the main
 * thread and the helpers V8 and Node made before our code ran (garbage collection,
 * compilation) — are set one by one from /proc/self/task; the threads made later (media
 * workers, the store writer, libuv's pool) are made from the main thread and inherit it.
 * That is what `Nice=` in a systemd unit does to a process, from the inside, so it works
 * however the server is started.
 *
 * Raising the priority (a negative value) needs root or CAP_SYS_NICE; without, the server
 * runs at the priority it was given and says so once (info: it still works).
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Logger } from '../shared/logger.js';
import { ownThreadNice, priorityErrorCode, setOwnThreadNice } from '../shared/thread-nice.js';

export interface NiceOutcome {
  /** Threads set to the niceness. */
  readonly threads: number;
  /** The error that refused it (EACCES/EPERM: not permitted), if any thread was refused. */
  readonly refused: string | null;
}

/** The threads of this process (Linux: /proc/self/task); elsewhere [0], the process itself. */
function ownThreads(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number).filter((tid) => Number.isInteger(tid) && tid > 0);
  } catch {
    return [0];
  }
}

/** Sets every thread of this process to `nice` (0: leaves them). */
export function applyProcessNice(nice: number, log: Logger): NiceOutcome {
  if (nice === 0) return { threads: 0, refused: null };
  let threads = 0;
  let refused: string | null = null;
  for (const tid of ownThreads()) {
    try {
      setPriority(tid, nice);
      threads++;
    } catch (e) {
      const code = priorityErrorCode(e);
      // A helper thread may have ended since the directory was read.
      if (code === 'ESRCH') continue;
      refused ??= code;
    }
  }
  if (refused === null) log.info({ nice, threads }, 'process priority set');
  else log.info({ nice, threads, error: refused }, 'the process keeps its priority (raising it needs root or CAP_SYS_NICE)');
  return { threads, refused };
}

/**
 * `sip.threadNice`: the niceness of the main thread alone — SIP, the call flows, the
 * database and HTTP — so that a caller's INVITE and ACK are read as soon as they arrive
 * while the media threads fill the cores (ADR 0009). Call it after libuv's pool threads
 * exist (the first asynchronous file operation makes them; they keep the process's
 * niceness) and before our worker threads start: those set their own niceness back to
 * the returned value, which they would otherwise inherit from this thread.
 *
 * @returns the niceness threads made from now on must set themselves to (the main
 * thread's before), or null when the main thread was left as it was (0, or refused).
 */
export function applySipThreadNice(nice: number, log: Logger): number | null {
  if (nice === 0) return null;
  const before = ownThreadNice();
  const refused = setOwnThreadNice(nice);
  if (refused !== null) {
    log.info({ nice, error: refused }, 'the SIP thread keeps its priority (raising it needs root or CAP_SYS_NICE)');
    return null;
  }
  log.info({ nice, others: before }, 'SIP thread priority set');
  return before;
}
