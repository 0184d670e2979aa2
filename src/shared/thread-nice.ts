/**
 * The calling thread's niceness. On Linux a niceness belongs to a thread
 * (`setpriority(PRIO_PROCESS, 0)` and `os.setPriority(n)` change the calling thread only),
 * and a new thread starts with the niceness of the thread that made it: a worker made by a
 * main thread that runs at `sip.threadNice` would run there too unless it sets its own.
 */
import { getPriority, setPriority } from 'node:os';

/** The calling thread's niceness. */
export function ownThreadNice(): number {
  return getPriority();
}

/**
 * Sets the calling thread's niceness; `null` leaves it. Returns null, or the error code
 * that refused it (EACCES/EPERM: raising a priority — a lower niceness than the thread
 * has — needs root or CAP_SYS_NICE, even back to where the process started).
 */
export function setOwnThreadNice(nice: number | null): string | null {
  if (nice === null) return null;
  try {
    setPriority(nice);
    return null;
  } catch (e) {
    return priorityErrorCode(e);
  }
}

/** The errno name of an `os.setPriority` failure (it throws ERR_SYSTEM_ERROR with it in `info.code`). */
export function priorityErrorCode(e: unknown): string {
  return (e as { info?: { code?: string } }).info?.code ?? (e as NodeJS.ErrnoException).code ?? String(e);
}
