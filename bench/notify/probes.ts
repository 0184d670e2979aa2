/**
 * What the notifications bench samples while the calls run, to tell where time goes:
 * CPU of the server, SIPp and the bench itself (Δ utime+stime from /proc/<pid>/stat) and
 * of the whole machine (/proc/stat), and the server's responsiveness — `GET /healthz`
 * timed every 100 ms from a worker thread (its own event loop, so the bench's receivers
 * cannot delay it), a proxy for the server's event-loop delay, which it does not expose.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const CLK_TCK = 100;

/** utime + stime of a process, s; NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** All CPUs: busy and total jiffies (iowait counts as idle). */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

export interface CpuSample {
  readonly at: number;
  readonly server: number;
  readonly sipp: number;
  readonly bench: number;
  readonly busy: number;
  readonly total: number;
}

/** Samples CPU every `everyMs` until stopped. */
export class CpuSampler {
  readonly samples: CpuSample[] = [];
  sippPid = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly serverPid: number,
    everyMs = 1000,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    const m = machineTicks();
    const u = process.cpuUsage();
    this.samples.push({
      at: Date.now(),
      server: cpuSeconds(this.serverPid),
      sipp: this.sippPid ? cpuSeconds(this.sippPid) : NaN,
      bench: (u.user + u.system) / 1e6,
      busy: m.busy,
      total: m.total,
    });
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** Over [from, to] (epoch ms): each process's CPU as % of one core, the machine's busy % of all CPUs, and the busiest second's machine %. */
  over(from: number, to: number): { server: number; sipp: number; bench: number; machine: number; machinePeak: number } {
    const s = this.samples.filter((x) => x.at >= from && x.at <= to);
    if (s.length < 2) return { server: NaN, sipp: NaN, bench: NaN, machine: NaN, machinePeak: NaN };
    const a = s[0]!;
    const b = s[s.length - 1]!;
    const wall = (b.at - a.at) / 1000;
    const pct = (x: number, y: number): number => (100 * (y - x)) / wall;
    let peak = 0;
    for (let i = 1; i < s.length; i++) {
      const dt = s[i]!.total - s[i - 1]!.total;
      if (dt > 0) peak = Math.max(peak, (100 * (s[i]!.busy - s[i - 1]!.busy)) / dt);
    }
    // The SIPp pid is known only once it runs: from its first sample on.
    const withSipp = s.filter((x) => Number.isFinite(x.sipp));
    const sipp = withSipp.length >= 2 ? (100 * (withSipp[withSipp.length - 1]!.sipp - withSipp[0]!.sipp)) / ((withSipp[withSipp.length - 1]!.at - withSipp[0]!.at) / 1000) : NaN;
    return { server: pct(a.server, b.server), sipp, bench: pct(a.bench, b.bench), machine: (100 * (b.busy - a.busy)) / (b.total - a.total), machinePeak: peak };
  }
}

export interface HealthSample {
  /** Sent at, ms since the epoch; took ms. */
  readonly at: number;
  readonly ms: number;
  readonly ok: boolean;
}

const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const samples = [];
let running = true;
parentPort.on('message', (m) => { if (m === 'stop') running = false; });
function once() {
  return new Promise((resolve) => {
    const at = Date.now();
    const t0 = performance.now();
    let done = false;
    const finish = (ok) => { if (!done) { done = true; samples.push({ at, ms: performance.now() - t0, ok }); resolve(); } };
    const req = http.get({ host: '127.0.0.1', port: workerData.port, path: '/healthz', agent, timeout: 10000 }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode === 200));
      res.on('error', () => finish(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => finish(false));
  });
}
(async () => {
  while (running) {
    const start = performance.now();
    await once();
    const wait = workerData.everyMs - (performance.now() - start);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  agent.destroy();
  parentPort.postMessage(samples);
})();
`;

/** Times GET /healthz every `everyMs`, one request at a time, until `stop()`. */
export class HealthProber {
  private readonly worker: Worker;
  private readonly result: Promise<HealthSample[]>;

  constructor(port: number, everyMs = 100) {
    this.worker = new Worker(PROBER, { eval: true, workerData: { port, everyMs } });
    this.result = new Promise((resolve, reject) => {
      this.worker.once('message', (s: HealthSample[]) => resolve(s));
      this.worker.once('error', reject);
    });
  }

  async stop(): Promise<HealthSample[]> {
    this.worker.postMessage('stop');
    const s = await this.result;
    await this.worker.terminate();
    return s;
  }
}
