/**
 * The whole notification pipeline against the real server: `startVoxmail` in this
 * process, or `voxmail serve` as a child process, with a `notify` section of our
 * choosing (SMTP / SMPP URLs, short retries) — what test/support/voxmail.ts's
 * VoxmailServer / VoxmailProcess do not take — plus the pieces the pipeline tests share:
 *
 * - `NotifyServer.start({ notify })`: VoxmailServer with a notify config (same loopback
 *   SIP/HTTP/RTP setup, tenant `acme` trusted from loopback, its own store connection);
 * - `NotifyProcess.spawn({ notify })`: VoxmailProcess with a notify config, for `kill -9`;
 * - `voxmailCli(dataDir, args)`: a data command (`voxmail messages heard ID`...) run as
 *   an operator runs it, in a child process on the same data directory;
 * - `deposit(server, mailbox)`: one SIPp caller leaving a message (or hanging up during
 *   the greeting), returning its Call-ID;
 * - `notificationsAbout(stores, subject)`, `eventually(...)`: reading the outbox while
 *   the server works.
 *
 * Retries are short (`PIPELINE_RETRY`: 200 ms doubling to 1 s) so that "down for a
 * while, then up" takes seconds. Everything binds loopback.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/compose/logger.js';
import type { Stores } from '../../src/compose/open-store.js';
import { DEFAULT_CONFIG, type Config, type TrustConfig } from '../../src/config/index.js';
import { startVoxmail, type Voxmail } from '../../src/main.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { DeliveryAttempt, Mailbox, Message, MissedCall, Notification } from '../../src/voicemail/model.js';
import type { MailboxPatch } from '../../src/voicemail/ports.js';
import { killTree, spawnTracked, stopChild, type TrackedChild } from './child-processes.js';
import { assertSippOk } from './sipp.js';
import { callIdOf, callServer, introMs, logLines, LOOPBACK_TRUST, prepareData, randomRtpRange, readMessageAudio, REPO_ROOT, testConfig, TENANT, type CallerAudio, type CallerRun, type RtpRange, type ServerAddress } from './voxmail.js';
import { waitFor } from './wait.js';
import { cleanEnv, type CliRun } from './cli.js';

export type NotifyConfig = Config['notify'];

/** 200 ms, 400 ms, 800 ms, then every second (±20%). */
export const PIPELINE_RETRY = { baseMs: 200, maxMs: 1000 } as const;

/** The defaults with short retries and whatever the test sets. */
export function notifyConfig(overrides: Partial<NotifyConfig> = {}): NotifyConfig {
  return { ...DEFAULT_CONFIG.notify, retry: PIPELINE_RETRY, ...overrides };
}

export interface NotifyServerOptions {
  readonly notify?: Partial<NotifyConfig>;
  readonly dataDir?: string;
  readonly sipPort?: number;
  readonly rtp?: RtpRange;
  readonly trust?: Partial<TrustConfig>;
  /** Tenants created before the start if missing; default [TENANT]. */
  readonly tenants?: readonly string[];
}

/** The real server in this process with a notify config; `stores` is a second connection to its data. */
export class NotifyServer implements ServerAddress {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly dataDir: string,
    readonly config: Config,
    readonly app: Voxmail,
    readonly stores: Stores,
    private readonly ownsDataDir: boolean,
  ) {}

  static async start(o: NotifyServerOptions = {}): Promise<NotifyServer> {
    const ownsDataDir = o.dataDir === undefined;
    const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'voxmail-pipeline-'));
    const rtp = o.rtp ?? (await randomRtpRange());
    const base = testConfig(dataDir, rtp, { ...(o.trust ? { trust: o.trust } : {}), ...(o.sipPort !== undefined ? { sipPort: o.sipPort } : {}) });
    const config: Config = { ...base, notify: notifyConfig(o.notify) };
    const stores = await prepareData(dataDir, o.tenants ?? [TENANT]);
    const logger = process.env['LOG'] === 'debug' ? createLogger('debug') : silentLogger();
    let app: Voxmail;
    try {
      app = await startVoxmail(config, { logger });
    } catch (e) {
      await stores.close();
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
      throw e;
    }
    return new NotifyServer(dataDir, config, app, stores, ownsDataDir);
  }

  get target(): { host: string; port: number } {
    const udp = this.app.sipAddresses.find((a) => a.transport === 'udp');
    assert.ok(udp, 'the server listens on no UDP address');
    return { host: udp.host, port: udp.port };
  }

  get rtp(): { min: number; max: number } {
    return { min: this.config.rtp.portMin, max: this.config.rtp.portMax };
  }

  mailbox(id: string, settings: MailboxPatch = {}, tenantId = TENANT): Promise<Mailbox> {
    return this.stores.store.mailboxes.create({ tenantId, id, ...settings });
  }

  messageOf(mailboxId: string, callId: string, timeoutMs = 8000): Promise<Message> {
    return messageOf(this.stores, mailboxId, callId, timeoutMs);
  }

  missedCallOf(mailboxId: string, callId: string, timeoutMs = 8000): Promise<MissedCall> {
    return missedCallOf(this.stores, mailboxId, callId, timeoutMs);
  }

  readAudio(m: Message): Int16Array {
    return readMessageAudio(this.dataDir, m);
  }

  close(options: { keepData?: boolean } = {}): Promise<void> {
    return (this.closing ??= (async () => {
      try {
        await this.app.close();
      } finally {
        await this.stores.close();
        if (this.ownsDataDir && options.keepData !== true) rmSync(this.dataDir, { recursive: true, force: true });
      }
    })());
  }
}

/** The message of the call with this Call-ID, waiting for it to be stored. */
export async function messageOf(stores: Stores, mailboxId: string, callId: string, timeoutMs = 8000, tenantId = TENANT): Promise<Message> {
  return eventually(
    async () => (await stores.store.messages.list({ tenantId, mailboxId, limit: 1000 })).find((m) => m.callId === callId),
    timeoutMs,
    () => `a message for Call-ID ${callId} in mailbox ${mailboxId}`,
  );
}

/** The missed-call record of the call with this Call-ID, waiting for it. */
export async function missedCallOf(stores: Stores, mailboxId: string, callId: string, timeoutMs = 8000, tenantId = TENANT): Promise<MissedCall> {
  return eventually(
    async () => (await stores.store.missedCalls.list({ tenantId, mailboxId, limit: 1000 })).find((m) => m.callId === callId),
    timeoutMs,
    () => `a missed call for Call-ID ${callId} in mailbox ${mailboxId}`,
  );
}

/** Poll `probe` until it returns something other than undefined/false; fail with `what()` after `timeoutMs`. */
export async function eventually<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: () => string, intervalMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface NotificationWithAttempts {
  readonly n: Notification;
  readonly attempts: readonly DeliveryAttempt[];
}

/**
 * Every notification about a message or missed call, with its attempts: the ones whose
 * subject is that id (e-mail, SMS, webhook) and the lamp's (subject `<id>-<time>`).
 */
export async function notificationsAbout(stores: Stores, subjectId: string, tenantId = TENANT): Promise<NotificationWithAttempts[]> {
  const all = await stores.store.outbox.list({ tenantId, limit: 1000 });
  const mine = all.filter((n) => n.subjectId === subjectId || n.subjectId.startsWith(`${subjectId}-`));
  return Promise.all(mine.map(async (n) => ({ n, attempts: await stores.store.outbox.attempts(n.id) })));
}

/** One line per notification, for assertion messages. */
export function describeOutbox(list: readonly NotificationWithAttempts[]): string {
  return list
    .map(({ n, attempts }) => `  ${n.channel} ${n.event} → ${n.recipient}: ${n.status}, ${String(n.attempts)} attempt(s) [${attempts.map((a) => `${a.outcome}${a.detail ? ` (${a.detail})` : ''}`).join('; ')}]`)
    .join('\n');
}

// --- one caller ------------------------------------------------------------------------------

export interface DepositOptions {
  readonly audio: CallerAudio;
  /** Talk time after the beep, ms (default 1800: above the 1 s minimum with margin). */
  readonly talkMs?: number;
  /** Hang up this long after the answer instead (e.g. during the greeting: a missed call). */
  readonly hangUpAfterMs?: number;
  readonly language?: 'en' | 'ru';
  /** The mailbox plays the standard warning (default: mailboxes of these tests have warningMode none). */
  readonly warning?: boolean;
  readonly caller?: string;
  readonly callerName?: string;
}

/** Settings every mailbox of the pipeline tests gets: no warning prompt (shorter calls). */
export const QUICK_MAILBOX: MailboxPatch = { warningMode: 'none' };

/**
 * SIPp calls `sip:<mailbox>@server` (the mailbox from the Request-URI, default greeting),
 * talks, hangs up; asserts SIPp saw a clean call and returns the run and its Call-ID.
 */
export async function deposit(server: ServerAddress, mailboxId: string, o: DepositOptions): Promise<{ run: CallerRun; callId: string }> {
  const intro = introMs('greeting-default', o.warning === true ? 'warning-standard' : null, o.language ?? 'en');
  const durationMs = o.hangUpAfterMs ?? Math.round(intro + (o.talkMs ?? 1800));
  const run = await callServer(server, {
    service: mailboxId,
    audio: o.audio,
    durationMs,
    timeoutMs: 30_000,
    ...(o.caller !== undefined ? { caller: o.caller } : {}),
    ...(o.callerName !== undefined ? { callerName: o.callerName } : {}),
  });
  assertSippOk(run.sipp);
  return { run, callId: callIdOf(run.sipp) };
}

// --- the CLI -----------------------------------------------------------------------------------

export type { CliRun };

/** `voxmail ARGS --data DIR` from the sources (tsx), in a child process; resolves when it exits. */
export async function voxmailCli(dataDir: string, args: readonly string[], timeoutMs = 20_000): Promise<CliRun> {
  const child = spawnTracked(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/bin.ts'), ...args, '--data', dataDir], { cwd: REPO_ROOT, env: cleanEnv() });
  const killer = setTimeout(() => killTree(child.child, 'SIGKILL'), timeoutMs);
  const { code, signal } = await child.exited;
  clearTimeout(killer);
  return { code, signal, stdout: child.stdout, stderr: child.stderr };
}

/** A data command that must succeed (exit 0). */
export async function voxmailCliOk(dataDir: string, args: readonly string[]): Promise<CliRun> {
  const r = await voxmailCli(dataDir, args);
  assert.equal(r.code, 0, `voxmail ${args.join(' ')} exited ${String(r.code)}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

// --- the server as a child process ---------------------------------------------------------------

export interface NotifyProcessOptions {
  readonly dataDir: string;
  readonly sipPort: number;
  readonly rtp: RtpRange;
  readonly notify?: Partial<NotifyConfig>;
  readonly trust?: TrustConfig;
}

/** `voxmail serve --config FILE` (trust and notify in the file) run through tsx; JSON log on stdout. */
export class NotifyProcess implements ServerAddress {
  private constructor(
    readonly proc: TrackedChild,
    readonly target: { readonly host: string; readonly port: number },
    readonly rtp: { readonly min: number; readonly max: number },
    private readonly configDir: string,
  ) {}

  static async spawn(o: NotifyProcessOptions, startTimeoutMs = 30_000): Promise<NotifyProcess> {
    const configDir = mkdtempSync(join(tmpdir(), 'voxmail-pipeline-config-'));
    const configFile = join(configDir, 'voxmail.json');
    writeFileSync(configFile, `${JSON.stringify({ trust: o.trust ?? LOOPBACK_TRUST, notify: notifyConfig(o.notify) }, null, 2)}\n`);
    const args = [
      '--import', 'tsx', join(REPO_ROOT, 'src/cli/bin.ts'),
      'serve', '--config', configFile, '--data', o.dataDir,
      '--sip-host', '127.0.0.1', '--sip-port', String(o.sipPort),
      '--http-host', '127.0.0.1', '--http-port', '0',
      '--rtp-ports', `${String(o.rtp.portMin)}-${String(o.rtp.portMax)}`,
      '--log-level', process.env['LOG'] === 'debug' ? 'debug' : 'info',
    ];
    const proc = spawnTracked(process.execPath, args, { cwd: REPO_ROOT, env: cleanEnv() });
    let started = false;
    try {
      await waitFor(
        () => {
          started ||= logLines(proc.stdout).some((l) => l['msg'] === 'voxmail started');
          return started || proc.child.exitCode !== null || proc.child.signalCode !== null;
        },
        startTimeoutMs,
        () => `"voxmail started" from the child (stdout: ${proc.stdout.slice(-3000)} stderr: ${proc.stderr.slice(-3000)})`,
        50,
      );
      if (!started) throw new Error(`voxmail exited before it started (${String(proc.child.exitCode ?? proc.child.signalCode)}):\n${proc.stdout}\n${proc.stderr}`);
    } catch (e) {
      await stopChild(proc, 1000);
      rmSync(configDir, { recursive: true, force: true });
      throw e;
    }
    if (process.env['LOG'] === 'debug') proc.child.stdout?.on('data', (s: string) => process.stdout.write(s));
    return new NotifyProcess(proc, { host: '127.0.0.1', port: o.sipPort }, { min: o.rtp.portMin, max: o.rtp.portMax }, configDir);
  }

  /** Every JSON log line so far. */
  get log(): Record<string, unknown>[] {
    return logLines(this.proc.stdout);
  }

  /** SIGKILL: no shutdown, no flush — a crash. Resolves when it is gone. */
  async kill9(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    killTree(this.proc.child, 'SIGKILL');
    const exit = await this.proc.exited;
    rmSync(this.configDir, { recursive: true, force: true });
    return exit;
  }

  async stop(): Promise<void> {
    await stopChild(this.proc, 5000);
    rmSync(this.configDir, { recursive: true, force: true });
  }
}
