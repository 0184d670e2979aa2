/**
 * Kamailio 5.6 as a stateful, record-routing proxy in front of the stack, run in the
 * foreground from a copy of ../shared/testdata/kamailio/kam.cfg whose listen port and
 * `$du` (the next hop: our stack) are rewritten. Loopback only; the process group is
 * stopped by `stop()` (and by `killChildren()` if a test fails first).
 */
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireTool, spawnTracked, stopChild, type TrackedChild } from './child-processes.js';
import { freeUdpTcpPort } from './ports.js';

export const SHARED_KAMAILIO_CFG = resolve(import.meta.dirname, '../../../shared/testdata/kamailio/kam.cfg');

export interface KamailioOptions {
  /** Our stack: where the proxy relays requests that are not in a dialog. */
  readonly upstream: { readonly host: string; readonly port: number };
  /**
   * Transport of the hop to the upstream: 'udp', 'tcp', or 'same' (the transport the
   * request came in on; the stack listens on both with one port). Default 'same'.
   */
  readonly upstreamTransport?: 'udp' | 'tcp' | 'same';
  /** Config to copy (default the shared kam.cfg). */
  readonly config?: string;
  /** How long to wait for the proxy to answer, ms (default 10 s). */
  readonly startTimeoutMs?: number;
}

export class Kamailio {
  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly configText: string,
    private readonly proc: TrackedChild,
  ) {}

  /** What Kamailio printed (it logs to stderr with -E). */
  get log(): string {
    return this.proc.stdout + this.proc.stderr;
  }

  static async start(o: KamailioOptions): Promise<Kamailio> {
    requireTool('kamailio', 'apt-get install kamailio');
    const source = o.config ?? SHARED_KAMAILIO_CFG;
    if (!existsSync(source)) throw new Error(`${source} is missing (the shared Kamailio config)`);
    let lastError: unknown = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freeUdpTcpPort();
      const dir = mkdtempSync(join(tmpdir(), 'voxmail-kamailio-'));
      const cfg = rewriteConfig(readFileSync(source, 'utf8'), port, o.upstream, o.upstreamTransport ?? 'same');
      const file = join(dir, 'kam.cfg');
      writeFileSync(file, cfg);
      // -DD: stay in the foreground (no daemon); -E: log to stderr; -m/-M: shared/private
      // memory in MB; -Y/-w: runtime and working dirs of our own, not /run/kamailio.
      const proc = spawnTracked('kamailio', ['-f', file, '-DD', '-E', '-m', '64', '-M', '8', '-Y', dir, '-w', dir], { cwd: dir });
      const k = new Kamailio(port, dir, cfg, proc);
      try {
        await k.waitReady(o.startTimeoutMs ?? 10_000);
        return k;
      } catch (e) {
        lastError = e;
        await k.stop();
        if (!/Address already in use|bind/i.test(k.log)) break;
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  /**
   * Ready when it answers SIP on UDP and accepts TCP. The probe is an OPTIONS with
   * Max-Forwards: 0, which the proxy answers itself (483) without bothering the stack.
   */
  private async waitReady(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    let udpOk = false;
    while (Date.now() < end) {
      if (this.proc.child.exitCode !== null || this.proc.child.signalCode !== null) {
        throw new Error(`kamailio exited (${String(this.proc.child.exitCode ?? this.proc.child.signalCode)}) before it was ready:\n${this.log}`);
      }
      udpOk ||= await probeUdp(this.port, 300);
      if (udpOk && (await probeTcp(this.port, 300))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`kamailio did not answer on 127.0.0.1:${String(this.port)} within ${String(timeoutMs)} ms:\n${this.log}`);
  }

  /** SIGTERM the process group (Kamailio stops its workers), SIGKILL if it lingers. */
  async stop(): Promise<void> {
    await stopChild(this.proc, 3000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Point the shared config at our ports; fails loudly if the config no longer has what we rewrite. */
export function rewriteConfig(text: string, port: number, upstream: { host: string; port: number }, transport: 'udp' | 'tcp' | 'same'): string {
  const listen = /127\.0\.0\.1:5060\b/g;
  if (!/^listen=udp:127\.0\.0\.1:5060$/m.test(text)) throw new Error('kam.cfg: no "listen=udp:127.0.0.1:5060" line to rewrite');
  const du = /^(\s*)\$du = "sip:127\.0\.0\.1:5070";\s*$/m;
  if (!du.test(text)) throw new Error('kam.cfg: no `$du = "sip:127.0.0.1:5070";` line to rewrite');
  const hop = `sip:${upstream.host}:${String(upstream.port)}`;
  const next =
    transport === 'udp'
      ? `$du = "${hop}";`
      : transport === 'tcp'
        ? `$du = "${hop};transport=tcp";`
        : `if ($pr == "tcp") { $du = "${hop};transport=tcp"; } else { $du = "${hop}"; }`;
  return text.replace(listen, `127.0.0.1:${String(port)}`).replace(du, (_m, indent: string) => `${indent}${next}`);
}

function probeUdp(port: number, waitMs: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const s = dgram.createSocket('udp4');
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.close();
      resolvePromise(ok);
    };
    const timer = setTimeout(() => done(false), waitMs);
    s.on('error', () => done(false));
    s.on('message', (m) => {
      if (m.toString('latin1').startsWith('SIP/2.0 ')) done(true);
    });
    s.bind(0, '127.0.0.1', () => {
      const me = s.address().port;
      const branch = `z9hG4bK-probe-${String(Date.now())}`;
      const msg = [
        `OPTIONS sip:probe@127.0.0.1:${String(port)} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${String(me)};branch=${branch};rport`,
        'Max-Forwards: 0',
        `From: <sip:probe@127.0.0.1:${String(me)}>;tag=probe`,
        `To: <sip:probe@127.0.0.1:${String(port)}>`,
        `Call-ID: probe-${branch}`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      s.send(msg, port, '127.0.0.1');
    });
  });
}

function probeTcp(port: number, waitMs: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const c = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      c.destroy();
      resolvePromise(ok);
    };
    const timer = setTimeout(() => done(false), waitMs);
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
  });
}
