/**
 * What the deposits bench reads from /proc (Linux only): a process's CPU time and memory,
 * the whole machine's CPU time (to tell how busy the shared box was), and kernel UDP
 * drop counters.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** getconf CLK_TCK on Linux x86-64/arm64. */
export const CLK_TCK = 100;

/** utime + stime of a process (all its threads), in clock ticks; NaN once it is gone. */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return NaN;
  }
}

/**
 * CPU ticks (utime + stime) of a process's main thread (the SIP thread: its tid is the
 * pid) and of its threads named `vx-media-*` (the media workers name themselves), summed,
 * and the time the media threads waited, runnable, for a core
 * (the second field of each thread's `schedstat`, ns; they are `SCHED_OTHER`: that is
 * the wait in the scheduler's run queue). NaN once the process is gone.
 */
export function threadTicks(pid: number): { main: number; media: number; mediaWaitNs: number } {
  const ticks = (tid: string): number => {
    const stat = readFileSync(`/proc/${String(pid)}/task/${tid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  };
  try {
    let media = 0;
    let mediaWaitNs = 0;
    for (const tid of readdirSync(`/proc/${String(pid)}/task`)) {
      try {
        if (!readFileSync(`/proc/${String(pid)}/task/${tid}/comm`, 'utf8').startsWith('vx-media-')) continue;
        media += ticks(tid);
        mediaWaitNs += Number(readFileSync(`/proc/${String(pid)}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
      } catch {
        // the thread ended meanwhile
      }
    }
    return { main: ticks(String(pid)), media, mediaWaitNs };
  } catch {
    return { main: NaN, media: NaN, mediaWaitNs: NaN };
  }
}

/** VmRSS and VmHWM of a process, kB; NaN once it is gone. */
export function memoryKb(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
    const get = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: get('VmRSS'), hwm: get('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/** Busy and total clock ticks of all CPUs together (first line of /proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest is already in user.
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** System-wide UDP receive-buffer drops (/proc/net/snmp RcvbufErrors). */
export function udpRcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('RcvbufErrors')]);
}

/**
 * Kernel drop counters of the UDP sockets a process holds (its fds → socket inodes →
 * the last column of /proc/net/udp), remembered per socket in `seen` (sockets close
 * when calls end; their counts must not vanish with them). Returns the sum over every
 * socket seen so far.
 */
export function processUdpDrops(pid: number, seen: Map<string, number>): number {
  const inodes = new Set<string>();
  try {
    const fdDir = `/proc/${String(pid)}/fd`;
    for (const fd of readdirSync(fdDir)) {
      try {
        const link = readlinkSync(`${fdDir}/${fd}`);
        if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
      } catch {
        /* closed meanwhile */
      }
    }
  } catch {
    /* the process is gone */
  }
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const f = line.trim().split(/\s+/);
      const inode = f[9];
      if (inode === undefined || !inodes.has(inode)) continue;
      const drops = Number(f[f.length - 1]) || 0;
      seen.set(inode, Math.max(seen.get(inode) ?? 0, drops));
    }
  }
  let sum = 0;
  for (const d of seen.values()) sum += d;
  return sum;
}

/**
 * Wait (at most `maxMs`) until the machine has been quiet — busy below `busyPct` of all
 * CPUs, iowait included — for `quietMs` in a row: the previous step's cleanup (checking
 * thousands of WAVs, the kernel writing back and discarding a GB of them) must not run
 * during the next one. Returns the busy % of the last interval.
 */
export async function waitForQuiet(busyPct = 10, quietMs = 3000, maxMs = 90_000): Promise<number> {
  const until = Date.now() + maxMs;
  let quietSince = Date.now();
  let prev = machineTicks();
  let last = 100;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    const now = machineTicks();
    last = (100 * (now.busy - prev.busy)) / Math.max(1, now.total - prev.total);
    prev = now;
    if (last >= busyPct) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietMs) break;
  }
  return last;
}
