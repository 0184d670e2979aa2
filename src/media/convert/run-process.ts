/**
 * One child process with everything bounded: an argument array (no shell), stdin fed
 * from a buffer, stdout collected up to a byte cap (the process is killed past it), the
 * tail of stderr kept (a few KiB: enough for ffmpeg's stream description and its last
 * error), a timeout and an AbortSignal that both kill it with SIGKILL.
 *
 * Why not `execFile`: it buffers stdout into strings and cannot feed stdin from a
 * Buffer while reading, and its `maxBuffer` counts stderr and stdout together.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  readonly stdin?: Buffer;
  /** Most stdout bytes kept; beyond it the process is killed and `overflow` set. */
  readonly maxStdoutBytes: number;
  /** Most stderr bytes kept (the first `maxStderrBytes / 2` and the last half). */
  readonly maxStderrBytes?: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** Killed because stdout passed `maxStdoutBytes`. */
  readonly overflow: boolean;
  readonly timedOut: boolean;
}

/** Runs `file args`; rejects only when the process cannot be started or the signal aborted it. */
export function runProcess(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const maxStderr = options.maxStderrBytes ?? 16 * 1024;
  return new Promise<RunResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(abortReason(options.signal));
      return;
    }
    const child = spawn(file, [...args], { stdio: ['pipe', 'pipe', 'pipe'], shell: false, windowsHide: true });
    const out: Buffer[] = [];
    let outBytes = 0;
    let overflow = false;
    let timedOut = false;
    let head = '';
    let tail = '';
    let settled = false;

    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = (): void => kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      if (overflow) return;
      outBytes += chunk.length;
      if (outBytes > options.maxStdoutBytes) {
        overflow = true;
        out.length = 0;
        kill();
        return;
      }
      out.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (head.length < maxStderr / 2) {
        const room = maxStderr / 2 - head.length;
        head += chunk.slice(0, room);
        chunk = chunk.slice(room);
      }
      if (chunk.length > 0) tail = (tail + chunk).slice(-maxStderr / 2);
    });
    // The child may exit (or stop reading: ffmpeg with -t) before taking all of stdin.
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) {
        reject(abortReason(options.signal));
        return;
      }
      resolve({ code, stdout: Buffer.concat(out), stderr: head + tail, overflow, timedOut });
    });
    child.stdin.end(options.stdin ?? Buffer.alloc(0));
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
}
