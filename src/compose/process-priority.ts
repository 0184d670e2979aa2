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
      // os.setPriority throws ERR_SYSTEM_ERROR with the errno's name in `info.code`.
      const code = (e as { info?: { code?: string } }).info?.code ?? (e as NodeJS.ErrnoException).code ?? String(e);
      // A helper thread may have ended since the directory was read.
      if (code === 'ESRCH') continue;
      refused ??= code;
    }
  }
  if (refused === null) log.info({ nice, threads }, 'process priority set');
  else log.info({ nice, threads, error: refused }, 'the process keeps its priority (raising it needs root or CAP_SYS_NICE)');
  return { threads, refused };
}
