/**
 * An open-loop HTTP load generator: requests are sent at fixed times (start + i ÷ rate),
 * whether or not earlier ones have been answered, over a pool of keep-alive connections
 * (node:http, up to 64 sockets, so a slow answer never holds the next request back).
 * Latency = response fully read − the time the request was SCHEDULED, not sent: if the
 * generator or the server falls behind, the wait counts (no coordinated omission).
 * How late each send was (the generator's own lag) is kept too.
 */
import http from 'node:http';

export interface PlannedRequest {
  /** The row of the result table this request counts in. */
  readonly kind: string;
  readonly path: string;
  /** A finer label (e.g. the search term), kept on the sample. */
  readonly tag?: string;
  /** Checks a 200 answer's body; returns why it is wrong, or null. Runs after the time is taken. */
  readonly check?: (body: string) => string | null;
}

export interface Sample {
  readonly kind: string;
  readonly tag: string | null;
  /** ms since the load started (scheduled time). */
  readonly at: number;
  /** Scheduled → body read, ms. */
  readonly ms: number;
  /** Scheduled → the request handed to the socket layer, ms. */
  readonly lateMs: number;
  readonly status: number;
  /** Transport error, non-200 status, or a failed check. */
  readonly error: string | null;
  /** The answer was 200 but not what was asked (the check failed). */
  readonly wrong: boolean;
  readonly bytes: number;
}

export interface LoadOptions {
  readonly port: number;
  readonly headers: Record<string, string>;
  /** Requests per second. */
  readonly rate: number;
  readonly durationMs: number;
  /** The i-th request (0-based) of this run. */
  readonly plan: (i: number) => PlannedRequest;
  /** Per-request timeout, ms (a timed-out request is an error with its time so far). */
  readonly timeoutMs?: number;
  readonly agent: http.Agent;
}

export function keepAliveAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One GET, body as text. */
export function get(agent: http.Agent, port: number, path: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${String(timeoutMs)} ms`)));
    req.on('error', reject);
  });
}

/** Runs the open loop; resolves when every request has been answered or has failed. */
export async function openLoop(o: LoadOptions): Promise<Sample[]> {
  const samples: Sample[] = [];
  const pending: Promise<void>[] = [];
  const total = Math.round((o.rate * o.durationMs) / 1000);
  const interval = 1000 / o.rate;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const t0 = performance.now();

  const fire = (i: number, scheduledAbs: number): Promise<void> => {
    const r = o.plan(i);
    const at = scheduledAbs - t0;
    const lateMs = performance.now() - scheduledAbs;
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (status: number, body: string, transportError: string | null): void => {
        if (done) return;
        done = true;
        const ms = performance.now() - scheduledAbs;
        let error = transportError;
        let wrong = false;
        if (error === null && status !== 200) error = `HTTP ${String(status)}`;
        if (error === null && r.check) {
          const why = r.check(body);
          if (why !== null) {
            error = why;
            wrong = true;
          }
        }
        samples.push({ kind: r.kind, tag: r.tag ?? null, at, ms, lateMs, status, error, wrong, bytes: Buffer.byteLength(body) });
        resolve();
      };
      const req = http.get({ host: '127.0.0.1', port: o.port, path: r.path, headers: o.headers, agent: o.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), null));
        res.on('error', (e) => finish(res.statusCode ?? 0, '', e.message));
      });
      req.on('timeout', () => req.destroy(new Error(`timeout after ${String(timeoutMs)} ms`)));
      req.on('error', (e) => finish(0, '', e.message));
    });
  };

  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    // setTimeout wakes up to ~1 ms late; the lateness is measured, and counted in the latency.
    if (wait > 1) await sleep(wait - 0.5);
    while (performance.now() < due) {
      /* spin the last fraction of a millisecond */
    }
    pending.push(fire(i, due));
  }
  await Promise.all(pending);
  return samples;
}

export interface Percentiles {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles. */
export function percentiles(values: readonly number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const pick = (p: number): number => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!);
  return { n: s.length, p50: pick(50), p90: pick(90), p99: pick(99), max: s.length ? s[s.length - 1]! : NaN };
}
