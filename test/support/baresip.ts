/**
 * baresip 1.0.0 (Debian `baresip`) as a real softphone calling the stack: a temporary
 * config directory, one process per call, console commands over UDP, and the sndfile
 * module's dumps of what baresip sent and heard.
 *
 * - `audio_source aufile,<wav>` plays an 8 kHz mono 16-bit WAV as the microphone; when
 *   the file ends the menu module hangs up ("menu: audio error (0,end of file)").
 * - `audio_player alsa,null` discards what baresip hears; `sndfile.so` writes it to
 *   `<snd_path>/dump-<time>-dec.wav` (decoded from RTP) and what it sent to `-enc.wav`
 *   (PCM handed to the encoder).
 * - `cons.so` takes menu commands as UDP datagrams (`/sndcode 123#`, `/hangup`, `/quit`).
 *
 * Addresses: SIP (sip_listen, UDP+TCP) and the console (UDP+TCP) bind 127.0.0.1, and
 * every packet goes to 127.0.0.1 (net_interface; dns_server is 127.0.0.1:53 though no
 * name is ever looked up). But baresip 1.0.0 binds its RTP/RTCP sockets (rtp_ports)
 * and libre's DNS client socket on the wildcard address, whatever the config says (seen
 * with `ss -uanp`); only a network namespace (REAL-PEERS.md, `unshare -n`) closes that.
 *
 * What the dumps hold: `-dec.wav` is every decoded RTP frame back to back (written as
 * frames leave the jitter buffer and are decoded, before the playout buffer), so a pause
 * in time between packets does not show in it, but a missing or extra frame does, and
 * any sample that changed on the way. baresip's jitter buffer
 * (jitter_buffer_delay 5-10 frames) hands a frame on only when later ones arrive: the
 * last ~100 ms a peer sends before going quiet are never decoded (send some silence
 * after what must be heard). `-enc.wav` is aufile's output as read: the file from its
 * first sample (a partial last 20 ms frame zeroed), then silence until the hang-up.
 *
 * Ports come from 10000–15999 (`BARESIP_PORTS`), not from the kernel's ephemeral range
 * (32768–60999) nor the RTP ranges other tests use (20000–38399): cons treats every byte
 * of every datagram it receives as a keystroke, so a stray packet is a command. Seen
 * here once (1 run in ~30): an RTCP report from another process's media session (most
 * likely another test file whose peer had gone, the ephemeral port being handed to
 * baresip's console) arrived as "illegal keycode", DTMF digits, "answer", "hold", and
 * a dial of the CNAME, which broke the next `/hangup`. `log` flags it.
 * No STUN/TURN/ICE, httpd or ctrl_tcp module is loaded, and stdio.so is left out
 * (stdin is not a terminal). The process runs in its own process group, is killed by
 * `stop()` and, if a test fails first, by `killChildren()` / process exit.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linearToUlaw, ulawToLinear } from '../../src/media/codec/g711.js';
import { requireTool, spawnTracked, stopChild, type TrackedChild } from './child-processes.js';
import { freeUdpBlock } from './ports.js';

export const BARESIP_MODULES = '/usr/lib/baresip/modules';

/** Where baresip's SIP/console ports and its RTP block are taken from (see the module comment). */
export const BARESIP_PORTS = { signalling: { min: 10_000, max: 11_999 }, rtp: { min: 12_000, max: 15_999 } } as const;

export interface BaresipOptions {
  /** Absolute path of an 8 kHz mono 16-bit WAV: what baresip "says" (aufile). */
  readonly audioSource: string;
  /** Request-URI to dial at start-up (`-e "/dial <uri>"`), e.g. `sip:100@127.0.0.1:5070`. */
  readonly dial: string;
  /** Safety net: baresip quits on its own after this many seconds (`-t`). Default 30. */
  readonly quitAfterSec?: number;
  /** Audio codec of the account (`audio_codecs=`). Default PCMU. */
  readonly codec?: 'PCMU' | 'PCMA';
}

export interface BaresipDumps {
  /** What baresip sent: PCM before its G.711 encoder (`dump-*-enc.wav`). */
  readonly enc: string;
  /** What baresip heard: PCM after its G.711 decoder (`dump-*-dec.wav`). */
  readonly dec: string;
}

export class Baresip {
  private constructor(
    readonly dir: string,
    /** Where sndfile writes its dumps (`snd_path`). */
    readonly recDir: string,
    readonly sipPort: number,
    readonly consPort: number,
    readonly rtpPorts: { readonly min: number; readonly max: number },
    readonly args: readonly string[],
    private readonly proc: TrackedChild,
  ) {}

  /** stdout + stderr so far (for assertion messages); the per-100 ms status lines are dropped. */
  get log(): string {
    // stderr carries a "[0:00:01] audio=64512/6826 (bit/s)" status line every 100 ms.
    const stderr = this.proc.stderr.replace(/\[\d+:\d\d:\d\d\] audio=\d+\/\d+ \(bit\/s\)\s*/g, '');
    const stray = /illegal keycode/.test(this.proc.stdout)
      ? 'NOTE: the console received bytes that were none of our commands ("illegal keycode"): a stray datagram reached cons_listen.\n'
      : '';
    const ports = `SIP ${String(this.sipPort)}, console ${String(this.consPort)}, RTP ${String(this.rtpPorts.min)}-${String(this.rtpPorts.max)}`;
    return `${stray}baresip ${this.args.join(' ')} (${ports})\n--- stdout ---\n${this.proc.stdout}\n--- stderr ---\n${stderr}`;
  }

  get stdout(): string {
    return this.proc.stdout;
  }

  get exited(): boolean {
    return this.proc.child.exitCode !== null || this.proc.child.signalCode !== null;
  }

  /**
   * Start baresip with a fresh config that dials `options.dial` at once. Retries with
   * new ports when one was taken between proving it free and baresip binding it.
   */
  static async start(options: BaresipOptions): Promise<Baresip> {
    requireTool('baresip', 'apt-get install baresip');
    if (!existsSync(join(BARESIP_MODULES, 'sndfile.so'))) throw new Error(`${BARESIP_MODULES}/sndfile.so is missing (apt-get install baresip-core)`);
    let last: Baresip | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const dir = mkdtempSync(join(tmpdir(), 'voxmail-baresip-'));
      const recDir = join(dir, 'rec');
      mkdirSync(recDir);
      const { signalling, rtp } = BARESIP_PORTS;
      const sipPort = await freeUdpTcpPortIn(signalling.min, signalling.max);
      let consPort = await freeUdpTcpPortIn(signalling.min, signalling.max);
      while (consPort === sipPort) consPort = await freeUdpTcpPortIn(signalling.min, signalling.max);
      // baresip picks its RTP port at random in the block (RTCP = RTP + 1).
      const rtpMin = await freeUdpBlock(20, rtp.min, rtp.max);
      const rtpPorts = { min: rtpMin, max: rtpMin + 19 };
      writeFileSync(join(dir, 'config'), configText({ sipPort, consPort, rtpPorts, recDir, audioSource: options.audioSource }));
      writeFileSync(join(dir, 'accounts'), `<sip:caller@127.0.0.1>;regint=0;audio_codecs=${options.codec ?? 'PCMU'}\n`);
      const args = ['-f', dir, '-e', `/dial ${options.dial}`, '-t', String(options.quitAfterSec ?? 30)];
      const proc = spawnTracked('baresip', args, { cwd: dir });
      const b = new Baresip(dir, recDir, sipPort, consPort, rtpPorts, args, proc);
      last = b;
      // It binds everything before it prints "baresip is ready." (then runs the -e commands).
      const ready = await b.waitForOutput(/baresip is ready\./, 10_000).then(
        () => true,
        () => false,
      );
      if (ready && !/address already in use|could not (bind|listen)|failed to listen/i.test(b.log)) return b;
      await b.stop();
      if (!/address already in use/i.test(b.log)) throw new Error(`baresip did not start:\n${b.log}`);
      b.removeDir();
    }
    throw new Error(`baresip could not bind its ports after 3 attempts:\n${last?.log ?? ''}`);
  }

  /** Wait until stdout/stderr match `re`; fails with the log if baresip exits or time runs out. */
  async waitForOutput(re: RegExp, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!re.test(this.proc.stdout + this.proc.stderr)) {
      if (this.exited) throw new Error(`baresip exited before printing ${String(re)}:\n${this.log}`);
      if (Date.now() > end) throw new Error(`baresip did not print ${String(re)} within ${String(timeoutMs)} ms:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Send one console command (`/sndcode 123#`, `/hangup`, `/quit`) as a UDP datagram to cons_listen. */
  async command(cmd: string): Promise<void> {
    const s = dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(0, '127.0.0.1', () => {
          s.send(`${cmd}\n`, this.consPort, '127.0.0.1', (e) => (e ? reject(e) : resolve()));
        });
      });
    } finally {
      s.close();
    }
  }

  /** Wait for the process to end on its own (e.g. after `/quit`); false on timeout. */
  async waitExit(timeoutMs: number): Promise<boolean> {
    if (this.exited) return true;
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([this.proc.exited.then(() => true), new Promise<boolean>((res) => (timer = setTimeout(() => res(false), timeoutMs)))]);
    clearTimeout(timer);
    return r;
  }

  /**
   * End baresip: `/quit` (graceful: calls hung up, sndfile closes its WAVs and writes
   * their headers), then SIGTERM, then SIGKILL. Idempotent; safe on every path.
   */
  async stop(): Promise<void> {
    if (this.exited) return;
    try {
      await this.command('/quit');
    } catch {
      /* the console may not be up: signals follow */
    }
    if (await this.waitExit(2000)) return;
    await stopChild(this.proc, 2000);
  }

  /** The sndfile dumps of the (one) call; throws with the log if they are not there. */
  dumps(): BaresipDumps {
    const files = existsSync(this.recDir) ? readdirSync(this.recDir) : [];
    const enc = files.filter((f) => /^dump-.*-enc\.wav$/.test(f));
    const dec = files.filter((f) => /^dump-.*-dec\.wav$/.test(f));
    if (enc.length !== 1 || dec.length !== 1) {
      throw new Error(`expected one enc and one dec dump in ${this.recDir}, found [${files.join(', ')}]\n${this.log}`);
    }
    return { enc: join(this.recDir, enc[0]!), dec: join(this.recDir, dec[0]!) };
  }

  /** Delete the config directory and the dumps (call after `stop()`). */
  removeDir(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A port in [min, max] free for both UDP and TCP on 127.0.0.1 (proved by binding, then released). */
async function freeUdpTcpPortIn(min: number, max: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = min + Math.floor(Math.random() * (max - min + 1));
    const u = dgram.createSocket('udp4');
    const udpOk = await new Promise<boolean>((resolve) => {
      u.once('error', () => resolve(false));
      u.bind({ port, address: '127.0.0.1', exclusive: true }, () => resolve(true));
    });
    if (!udpOk) {
      u.close();
      continue;
    }
    const srv = net.createServer();
    const tcpOk = await new Promise<boolean>((resolve) => {
      srv.once('error', () => resolve(false));
      srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(true));
    });
    await new Promise<void>((r) => u.close(() => r()));
    if (tcpOk) await new Promise<void>((r) => srv.close(() => r()));
    if (tcpOk) return port;
  }
  throw new Error(`no port free for UDP and TCP on 127.0.0.1 in ${String(min)}-${String(max)}`);
}

function configText(o: { sipPort: number; consPort: number; rtpPorts: { min: number; max: number }; recDir: string; audioSource: string }): string {
  const lines: [string, string][] = [
    ['poll_method', 'epoll'],
    ['sip_listen', `127.0.0.1:${String(o.sipPort)}`],
    // Must be the IP, not `lo` (REAL-PEERS.md); it is also what goes into baresip's SDP.
    ['net_interface', '127.0.0.1'],
    // Any DNS query (none is expected: every URI is an IP literal) stays on loopback.
    ['dns_server', '127.0.0.1:53'],
    ['audio_player', 'alsa,null'],
    ['audio_source', `aufile,${o.audioSource}`],
    ['audio_alert', 'alsa,null'],
    ['rtp_ports', `${String(o.rtpPorts.min)}-${String(o.rtpPorts.max)}`],
    ['module_path', BARESIP_MODULES],
    ['module', 'g711.so'],
    ['module', 'aufile.so'],
    ['module', 'alsa.so'],
    ['module', 'sndfile.so'],
    ['snd_path', o.recDir],
    ['module_tmp', 'uuid.so'],
    ['module_tmp', 'account.so'],
    ['module_app', 'menu.so'],
    ['module', 'cons.so'],
    ['cons_listen', `127.0.0.1:${String(o.consPort)}`],
  ];
  return lines.map(([k, v]) => `${k}\t${v}\n`).join('');
}

/**
 * baresip's µ-law encoder, as librem 0.6 (`g711_pcm2ulaw` in re_g711.h + the
 * `g711_l2u[4096]` table) implements it: the magnitude is *rounded* to a multiple of 8
 * (`(|x| - 4) >> 3` indexes a table whose entry i is the code of (i + 1)·8), then
 * quantised like Sun's g711.c. Ours (Sun's g711.c) *truncates* x to 14 bits instead, so
 * the two pick adjacent codes for 382 of the 65536 inputs, among them -1…-3 (baresip:
 * 0x7F, negative zero; ours: 0x7E, -8), so quiet speech differs in a few % of samples,
 * always by one step. The C code negates an int16 in place, so -32768 wraps and encodes
 * as negative zero; that is kept here. Checked against the table in
 * /usr/lib/x86_64-linux-gnu/librem.so.0 (Debian 12) for all 65536 inputs.
 */
export function baresipLinearToUlaw(x: number): number {
  const mask = x < 0 ? 0x7f : 0xff;
  const l = x === -32768 ? -32768 : Math.abs(x);
  if (l < 4) return 0xff & mask;
  return linearToUlaw(Math.min(32767, (((l - 4) >> 3) + 1) * 8)) & mask;
}

/**
 * baresip's µ-law decoder (librem's `g711_u2l`): G.711 like ours, except that the two
 * zero codes decode to ±2 rather than 0 (0xFF → +2, 0x7F → -2). So digital silence we
 * send arrives in baresip's dec dump as a run of 2s.
 */
export function baresipUlawToLinear(code: number): number {
  const c = code & 0xff;
  if (c === 0xff) return 2;
  if (c === 0x7f) return -2;
  return ulawToLinear(c);
}
