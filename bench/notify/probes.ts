/**
 * What the notifications bench samples while the calls run, to tell where time goes:
 * CPU of the server, SIPp and the bench itself (Δ utime+stime from /proc/<pid>/stat) and
 * of the whole machine (/proc/stat), and the server's responsiveness — `GET /healthz`
 * timed every 100 ms from a worker thread (its own event loop, so the bench's receivers
 * cannot delay it), a proxy for the server's event-loop delay, which it does not expose.
 */
import { readFileSync } from 'node:fs';
import { machineTicks } from '../deposits/procfs.js';

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

// The /healthz prober is the deposits bench's (one request at a time, from a worker thread).
export { HealthProber, type HealthSample } from '../deposits/server.js';
