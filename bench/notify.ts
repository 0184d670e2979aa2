/**
 * Notification latency, end to end (issue 5, "Numbers"): SIPp leaves N voicemail
 * deposits with the real server (the built CLI, `node dist/cli/bin.js serve`, its own
 * process, fresh data directory), and the bench's own SMTP server, SMSC and webhook
 * receiver (the test suite's real servers over TCP, bench/notify/receivers.ts) take
 * what the server's outbox delivers. For every call:
 *
 *   hang-up  = when SIPp sent the BYE (`-trace_shortmsg`, epoch µs);
 *   e-mail   = when the SMTP server accepted the mail carrying that message's
 *              `X-Voxmail-Message-Id` (before its 250 reply to the data);
 *   SMS      = when the SMSC accepted the last submit_sm of the SMS that names that
 *              call's caller number (before its submit_sm_resp);
 *   webhook  = when the receiver had the whole `message.created` POST for that message
 *              id (before its 200).
 *
 * The call ↔ message link is the store's: each message row keeps the call's Call-ID.
 * SIPp, the server and the bench run on one machine and stamp times from the same
 * realtime clock (SIPp gettimeofday, Node Date.now()), so the differences are valid
 * without any clock synchronisation.
 *
 * Also reported, to locate the time: hang-up → the message row and its outbox rows
 * committed (the notifications' `createdAt`, written in the deposit's transaction) and
 * committed → accepted, per channel; notifications that needed more than one attempt;
 * duplicates (a second mail / SMS / POST for the same message) and misses.
 *
 *   npx tsx bench/notify-main.ts 200            (BENCHMARKS.md, "Notifications")
 * Environment: BENCH_NOTIFY_CONCURRENCY (10 calls at once), BENCH_NOTIFY_TALK_S (2 s
 * recorded per message), BENCH_NOTIFY_RTP_PORTS (40000-44999), BENCH_NOTIFY_KEEP=1 (keep
 * the data directory), BENCH_NOTIFY_SMTP_QUERY (nodemailer pool options in the SMTP URL,
 * e.g. maxConnections=16), BENCH_NOTIFY_CSV (write per-call times to this file),
 * BENCH_NOTIFY_BIN (the CLI to start instead of ./dist/cli/bin.js), BENCH_NOTIFY_WEBHOOK_DELAY_MS
 * (a slow webhook receiver).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_MAILBOX_ID, DEMO_TENANT_ID, openStores } from '../src/compose/open-store.js';
import { parseWav } from '../src/media/audio/wav.js';
import type { Message, Notification } from '../src/voicemail/model.js';
import { beep } from '../src/voicemail/prompts/beep.js';
import type { ReceivedMail } from '../test/support/smtp-server.js';
import type { RecordedSubmit } from '../test/support/smsc.js';
import type { ReceivedWebhook } from '../test/support/webhook-receiver.js';
import { CpuSampler, HealthProber, type HealthSample } from './notify/probes.js';
import { startReceivers, type Arrival, type Receivers } from './notify/receivers.js';
import { ROOT, runCli, staleBuildNote, startNotifyServer } from './notify/server.js';
import { runNotifySipp, SCENARIO_PAUSE_MS, type NotifySippResult } from './notify/sipp.js';
import { fixed, int, printTable } from './table.js';

/** Issue 5: hang-up → e-mail accepted by the SMTP server, p99. */
export const NOTIFY_TARGET_P99_MS = 1000;

export interface NotifyBenchOptions {
  /** Deposits (SIPp calls) in all. Default 200. */
  readonly deposits?: number;
  /** Calls at once (SIPp -l); the call rate follows (concurrency ÷ call length). Default 10. */
  readonly concurrency?: number;
  /** Audio recorded per message after the beep, s. Default 2. */
  readonly talkSeconds?: number;
  /** The server's RTP/RTCP ports. Default 40000–44999. */
  readonly rtpPorts?: readonly [number, number];
  /** Keep the data directory (printed). */
  readonly keepData?: boolean;
  /**
   * nodemailer options appended to the SMTP URL as its query (they win over the server's
   * pool defaults), e.g. `maxConnections=16`: an experiment without a code change.
   * Default BENCH_NOTIFY_SMTP_QUERY or none.
   */
  readonly smtpQuery?: string;
  /**
   * The webhook receiver answers each POST this much later (its arrival time is still
   * when the request was complete): a slow integrator, to see whether it delays the other
   * channels. Default BENCH_NOTIFY_WEBHOOK_DELAY_MS or 0.
   */
  readonly webhookDelayMs?: number;
}

export type NotifyChannel = 'email' | 'sms' | 'webhook';

export interface LatencyStats {
  readonly n: number;
  readonly min: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface NotifyChannelRow {
  readonly channel: NotifyChannel;
  /** Messages stored (each should give exactly one of this channel). */
  readonly expected: number;
  /** Messages with at least one delivery on this channel. */
  readonly delivered: number;
  /** Messages with more than one (the extra ones summed). */
  readonly duplicates: number;
  /** Deliveries the receiver got that match no message of this run. */
  readonly unmatched: number;
  /** Outbox rows of this channel not `sent`, and rows that needed more than one attempt. */
  readonly notSent: number;
  readonly retried: number;
  /** Hang-up (SIPp BYE sent) → accepted by the receiver, ms. */
  readonly total: LatencyStats;
  /** Outbox row committed (with the message) → accepted by the receiver, ms. */
  readonly fromCommit: LatencyStats;
  /** Channel-specific checks that failed (webhook signature, SMS text without the caller's number...). */
  readonly badContent: number;
}

export interface NotifyBenchResult {
  readonly rows: NotifyChannelRow[];
  readonly summary: string;
  readonly targetMet: boolean;
  readonly deposits: number;
  readonly concurrency: number;
  /** SIPp -r per 10 s. */
  readonly ratePer10s: number;
  readonly talkSeconds: number;
  readonly sippSuccessful: number;
  readonly sippFailed: number;
  readonly messages: number;
  readonly missedCalls: number;
  /** Hang-up → message and outbox rows committed, ms. */
  readonly hangupToCommit: LatencyStats;
  /** SIPp's BYE → 200 OK, ms. */
  readonly byeTo200: LatencyStats;
  /** Time from SIPp start to its exit, s, and the machine's 1-min load average at start / end. */
  readonly sippSeconds: number;
  readonly loadAverage: string;
  readonly serverWarnings: number;
  /**
   * CPU from SIPp's start to the last delivery, % of one core (machine: % of all CPUs,
   * and its busiest second): the server, SIPp, this bench process (its receivers parse
   * every mail, SMS and POST), the whole machine.
   */
  readonly cpu: { readonly server: number; readonly sipp: number; readonly bench: number; readonly machine: number; readonly machinePeak: number };
  /** GET /healthz response time over the same window, ms (the server's event-loop delay, roughly). */
  readonly healthz: LatencyStats;
  /** Per channel: receiver accepted → the server recorded the outcome in the outbox (its delivery_attempts row), ms. */
  readonly acceptToRecorded: Readonly<Record<NotifyChannel, LatencyStats>>;
  /** Everything worth reading (stale build, failures, first warnings). */
  readonly notes: readonly string[];
}

function envPorts(): [number, number] | undefined {
  const v = process.env['BENCH_NOTIFY_RTP_PORTS'];
  if (v === undefined || v === '') return undefined;
  const m = /^(\d+)-(\d+)$/.exec(v);
  if (!m) throw new Error(`BENCH_NOTIFY_RTP_PORTS=${v}: want A-B`);
  return [Number(m[1]), Number(m[2])];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentiles. */
export function stats(values: readonly number[]): LatencyStats {
  const s = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const pick = (p: number): number => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!);
  return {
    n: s.length,
    min: s.length ? s[0]! : NaN,
    p50: pick(50),
    p95: pick(95),
    p99: pick(99),
    max: s.length ? s[s.length - 1]! : NaN,
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN,
  };
}

function promptMs(name: string): number {
  const wav = parseWav(readFileSync(join(ROOT, 'prompts', 'en', `${name}.wav`)));
  if (!wav.ok) throw new Error(`prompts/en/${name}.wav: ${wav.error}`);
  return wav.value.samples.length / 8;
}

/** ms from the ACK to the end of the beep with `--warning none`: default greeting + beep. */
function introMs(): number {
  return promptMs('greeting-default') + beep().length / 8;
}

/** The caller number an SMS names, digits only with its "+", or null. */
function numberIn(text: string): string | null {
  const m = /\+\d[\d -]*\d/.exec(text);
  return m ? `+${m[0].replace(/\D/g, '')}` : null;
}

interface AttemptInfo {
  readonly count: number;
  /** When the `sent` attempt was recorded, ms since the epoch. */
  readonly sentAt: number;
}

async function allMessages(dataDir: string): Promise<{ messages: Message[]; missed: number; notifications: Map<string, Notification[]>; attempts: Map<string, AttemptInfo> }> {
  const stores = await openStores(dataDir);
  try {
    const seen = new Map<string, Message>();
    let to: string | undefined;
    for (;;) {
      const page = await stores.store.messages.list({ tenantId: DEMO_TENANT_ID, mailboxId: DEMO_MAILBOX_ID, limit: 1000, ...(to ? { to } : {}) });
      let fresh = 0;
      for (const m of page) {
        if (!seen.has(m.id)) {
          seen.set(m.id, m);
          fresh++;
        }
      }
      if (page.length < 1000 || fresh === 0) break;
      to = new Date(Math.min(...page.map((m) => Date.parse(m.receivedAt))) + 1).toISOString();
    }
    const missed = (await stores.store.missedCalls.list({ tenantId: DEMO_TENANT_ID, mailboxId: DEMO_MAILBOX_ID, limit: 1000 })).length;
    const notifications = new Map<string, Notification[]>();
    const attempts = new Map<string, AttemptInfo>();
    for (const id of seen.keys()) {
      const ns = await stores.store.outbox.list({ subjectId: id, limit: 100 });
      notifications.set(id, ns);
      for (const n of ns) {
        const a = await stores.store.outbox.attempts(n.id);
        const sent = a.find((x) => x.outcome === 'sent');
        attempts.set(n.id, { count: a.length, sentAt: sent ? Date.parse(sent.at) : NaN });
      }
    }
    return { messages: [...seen.values()], missed, notifications, attempts };
  } finally {
    await stores.close();
  }
}

interface Sms {
  readonly at: number;
  readonly text: string;
  readonly ids: readonly string[];
}

/** Accepted submits reassembled into SMS (UDH concatenation), each stamped with its last part's arrival. */
function smsOf(submits: readonly Arrival<RecordedSubmit>[]): Sms[] {
  const out: Sms[] = [];
  const groups = new Map<string, Arrival<RecordedSubmit>[]>();
  for (const a of submits) {
    const s = a.item;
    if (s.status !== 0) continue;
    if (s.concat === null) {
      out.push({ at: a.at, text: s.text, ids: [s.messageId] });
      continue;
    }
    const key = `${s.destinationAddr}/${String(s.concat.ref)}/${String(s.concat.total)}`;
    const g = groups.get(key) ?? [];
    g.push(a);
    groups.set(key, g);
    if (g.length === s.concat.total) {
      const parts = [...g].sort((x, y) => (x.item.concat?.seq ?? 0) - (y.item.concat?.seq ?? 0));
      out.push({ at: Math.max(...parts.map((p) => p.at)), text: parts.map((p) => p.item.text).join(''), ids: parts.map((p) => p.item.messageId) });
      groups.delete(key);
    }
  }
  return out;
}

function mailMessageId(m: ReceivedMail): string | null {
  const v = m.parsed.headers.get('x-voxmail-message-id');
  return typeof v === 'string' ? v.trim() : null;
}

function hookMessageId(h: ReceivedWebhook): string | null {
  const j = h.json as { event?: unknown; data?: { message?: { id?: unknown } } } | null;
  return j?.event === 'message.created' && typeof j.data?.message?.id === 'string' ? j.data.message.id : null;
}

/** How many distinct messages each channel has delivered so far. */
function progress(r: Receivers): Record<NotifyChannel, number> {
  const mails = new Set(r.mails.map((a) => mailMessageId(a.item)).filter((x) => x !== null));
  const hooks = new Set(r.hooks.map((a) => hookMessageId(a.item)).filter((x) => x !== null));
  const sms = new Set(smsOf(r.submits).map((s) => numberIn(s.text)));
  return { email: mails.size, sms: sms.size, webhook: hooks.size };
}

export async function runNotifyBench(options: NotifyBenchOptions = {}): Promise<NotifyBenchResult> {
  const deposits = options.deposits ?? 200;
  const concurrency = options.concurrency ?? 10;
  const talkSeconds = options.talkSeconds ?? 2;
  const rtpPorts = options.rtpPorts ?? envPorts() ?? [40_000, 44_999];
  const smtpQuery = options.smtpQuery ?? (process.env['BENCH_NOTIFY_SMTP_QUERY'] || undefined);
  const notes: string[] = [];
  if (smtpQuery) notes.push(`SMTP URL query (pool options): ?${smtpQuery}`);
  if (process.env['UV_THREADPOOL_SIZE']) notes.push(`UV_THREADPOOL_SIZE=${process.env['UV_THREADPOOL_SIZE']} (inherited by the server)`);
  const stale = staleBuildNote();
  if (stale) notes.push(stale);

  const intro = introMs();
  const talkPauseMs = Math.max(0, Math.round(talkSeconds * 1000 + intro - SCENARIO_PAUSE_MS));
  // INVITE → 200 and BYE → 200 take a few ms; the call lasts the two pauses.
  const callS = (SCENARIO_PAUSE_MS + talkPauseMs + 100) / 1000;
  const ratePer10s = Math.max(1, Math.round((concurrency / callS) * 10));
  const timeoutS = Math.ceil((deposits * 10) / ratePer10s + callS + 120);

  const dir = mkdtempSync(join(tmpdir(), 'voxmail-notify-'));
  const dataDir = join(dir, 'data');
  const receivers = await startReceivers();
  const webhookDelayMs = options.webhookDelayMs ?? Number(process.env['BENCH_NOTIFY_WEBHOOK_DELAY_MS'] ?? 0);
  if (webhookDelayMs > 0) {
    receivers.webhook.setDelay(webhookDelayMs);
    notes.push(`the webhook receiver answered every POST ${String(webhookDelayMs)} ms after receiving it`);
  }
  const load0 = loadavg()[0]!.toFixed(2);
  console.log(
    `\n[notify] ${String(deposits)} deposits, ${String(concurrency)} at once, ${String(ratePer10s)} new calls per 10 s; ` +
      `${String(talkSeconds)} s recorded each (intro ${fixed(intro, 1)} ms, -d ${String(talkPauseMs)} ms); load average ${load0}; data ${dataDir}`,
  );
  let sipp: NotifySippResult;
  let sippSeconds = NaN;
  let serverWarnings = 0;
  let cpu: NotifyBenchResult['cpu'] = { server: NaN, sipp: NaN, bench: NaN, machine: NaN, machinePeak: NaN };
  let health: HealthSample[] = [];
  try {
    const server = await startNotifyServer({
      dataDir,
      cwd: dir,
      smtpUrl: receivers.smtp.url(smtpQuery ? { query: smtpQuery } : {}),
      smppUrl: receivers.smsc.url(),
      rtpPorts,
    });
    try {
      // The demo tenant and mailbox 100 exist once the server has started on the empty directory.
      await runCli(
        ['mailbox', 'update', DEMO_MAILBOX_ID, '--data', dataDir, '--email', 'a@example.com', '--email-action', 'attach-keep', '--sms-number', '+79161234567', '--warning', 'none', '--quota', '100000'],
        dir,
      );
      await runCli(['tenant', 'update', DEMO_TENANT_ID, '--data', dataDir, '--webhook-url', receivers.webhook.url, '--webhook-secret', receivers.webhookSecret], dir);
      console.log(`[notify] server pid ${String(server.pid)} (SIP ${String(server.sipPort)}, HTTP ${String(server.httpPort)}); SMTP ${String(receivers.smtp.port)}, SMSC ${String(receivers.smsc.port)}, webhook ${receivers.webhook.url}`);
      // Let the SMPP client bind before the first call (it starts with the server).
      const bindUntil = Date.now() + 10_000;
      while (receivers.smsc.sessions === 0 && Date.now() < bindUntil) await sleep(100);
      if (receivers.smsc.sessions === 0) notes.push('the server had not bound to the SMSC 10 s after start');

      const t0 = Date.now();
      const sampler = new CpuSampler(server.pid, 1000);
      const prober = new HealthProber(server.httpPort, 100);
      let tEnd = NaN;
      try {
        sipp = await runNotifySipp({
          dir,
          target: { host: '127.0.0.1', port: server.sipPort },
          service: DEMO_MAILBOX_ID,
          calls: deposits,
          concurrency,
          rate: ratePer10s,
          ratePeriodMs: 10_000,
          talkPauseMs,
          timeoutS,
          onStart: (pid) => {
            sampler.sippPid = pid;
          },
        });
        sippSeconds = (Date.now() - t0) / 1000;
        const ok = sipp.counters['SuccessfulCall'] ?? 0;
        console.log(`[notify] SIPp exit ${String(sipp.code)} after ${fixed(sippSeconds, 1)} s: ${String(ok)} successful, ${String(sipp.counters['FailedCall'] ?? 0)} failed`);

        // Wait for every channel to have one delivery per successful call, then a little
        // longer: a duplicate would come after the first.
        const until = Date.now() + 120_000;
        for (;;) {
          const p = progress(receivers);
          if ((p.email >= ok && p.sms >= ok && p.webhook >= ok) || Date.now() > until) break;
          await sleep(200);
        }
        tEnd = Date.now();
      } finally {
        sampler.stop();
        health = (await prober.stop()).filter((h) => h.at >= t0 && (!Number.isFinite(tEnd) || h.at <= tEnd));
        cpu = sampler.over(t0, Number.isFinite(tEnd) ? tEnd + 1000 : Date.now());
      }
      await sleep(3000);
    } finally {
      serverWarnings = server.warnings().count;
      for (const w of server.warnings().first) notes.push(`server: ${w}`);
      await server.stop();
    }
  } finally {
    await receivers.close();
  }

  const store = await allMessages(dataDir);
  const load1 = loadavg()[0]!.toFixed(2);

  // --- per call ------------------------------------------------------------------------
  const byCallId = new Map<string, Message>();
  let unknownCall = 0;
  for (const m of store.messages) {
    if (m.callId !== null && sipp.calls.has(m.callId)) byCallId.set(m.callId, m);
    else unknownCall++;
  }
  if (unknownCall > 0) notes.push(`${String(unknownCall)} messages whose Call-ID is not one of SIPp's calls`);
  const successfulCalls = [...sipp.calls].filter(([, c]) => c.bye !== undefined && c.byeOk !== undefined);
  const withoutMessage = successfulCalls.filter(([id]) => !byCallId.has(id)).length;
  if (withoutMessage > 0) notes.push(`${String(withoutMessage)} completed calls left no message`);

  const mailsById = new Map<string, Arrival<ReceivedMail>[]>();
  let mailUnmatched = 0;
  for (const a of receivers.mails) {
    const id = mailMessageId(a.item);
    if (id === null) {
      mailUnmatched++;
      continue;
    }
    mailsById.set(id, [...(mailsById.get(id) ?? []), a]);
  }
  const hooksById = new Map<string, Arrival<ReceivedWebhook>[]>();
  let hookUnmatched = 0;
  for (const a of receivers.hooks) {
    const id = hookMessageId(a.item);
    if (id === null) {
      hookUnmatched++;
      continue;
    }
    hooksById.set(id, [...(hooksById.get(id) ?? []), a]);
  }
  const smsByNumber = new Map<string, Sms[]>();
  let smsUnmatched = 0;
  for (const s of smsOf(receivers.submits)) {
    const n = numberIn(s.text);
    if (n === null) {
      smsUnmatched++;
      continue;
    }
    smsByNumber.set(n, [...(smsByNumber.get(n) ?? []), s]);
  }

  interface Acc {
    total: number[];
    fromCommit: number[];
    delivered: number;
    duplicates: number;
    notSent: number;
    retried: number;
    badContent: number;
    recorded: number[];
  }
  const acc = (): Acc => ({ total: [], fromCommit: [], delivered: 0, duplicates: 0, notSent: 0, retried: 0, badContent: 0, recorded: [] });
  const perCall: string[] = ['call_id,caller,bye_epoch_ms,commit_ms,email_ms,sms_ms,webhook_ms,email_recorded_ms,sms_recorded_ms,webhook_recorded_ms'];
  const ch: Record<NotifyChannel, Acc> = { email: acc(), sms: acc(), webhook: acc() };
  const hangupToCommit: number[] = [];
  // SIPp stamps a message just after its sendto() returns; descheduled in between, the stamp is late.
  let negative = 0;
  const byeTo200: number[] = [];
  const knownIds = new Set<string>();
  const knownNumbers = new Set<string>();

  for (const [callId, call] of sipp.calls) {
    if (call.bye !== undefined && call.byeOk !== undefined) byeTo200.push(call.byeOk - call.bye);
    const m = byCallId.get(callId);
    if (!m || call.bye === undefined) continue;
    const hangup = call.bye;
    knownIds.add(m.id);
    const ns = store.notifications.get(m.id) ?? [];
    const commit = Math.min(...ns.map((n) => Date.parse(n.createdAt)));
    if (Number.isFinite(commit)) hangupToCommit.push(commit - hangup);
    const sentAt: Record<NotifyChannel, number> = { email: NaN, sms: NaN, webhook: NaN };
    const firstAt: Record<NotifyChannel, number> = { email: NaN, sms: NaN, webhook: NaN };
    const outbox = (c: NotifyChannel): void => {
      const mine = ns.filter((n) => n.channel === c && n.event === 'message.created');
      if (mine.length === 0) ch[c].notSent++;
      for (const n of mine) {
        if (n.status !== 'sent') ch[c].notSent++;
        const info = store.attempts.get(n.id);
        if ((info?.count ?? 0) > 1) ch[c].retried++;
        if (info && Number.isFinite(info.sentAt)) sentAt[c] = info.sentAt;
      }
    };
    const record = (c: NotifyChannel, arrivals: readonly number[]): void => {
      outbox(c);
      if (arrivals.length === 0) return;
      const first = Math.min(...arrivals);
      firstAt[c] = first;
      if (first < hangup) negative++;
      if (Number.isFinite(sentAt[c])) ch[c].recorded.push(sentAt[c] - first);
      ch[c].delivered++;
      ch[c].duplicates += arrivals.length - 1;
      ch[c].total.push(first - hangup);
      if (Number.isFinite(commit)) ch[c].fromCommit.push(first - commit);
    };

    const mails = mailsById.get(m.id) ?? [];
    record('email', mails.map((a) => a.at));
    for (const a of mails) if (a.item.to.join(',') !== 'a@example.com' || a.item.parsed.attachments.length !== 1) ch.email.badContent++;

    const hooks = hooksById.get(m.id) ?? [];
    record('webhook', hooks.map((a) => a.at));
    for (const a of hooks) if (!a.item.signatureValid) ch.webhook.badContent++;

    const caller = m.callerNumber === null ? null : `+${m.callerNumber.replace(/\D/g, '')}`;
    if (caller !== null) knownNumbers.add(caller);
    const sms = caller === null ? [] : (smsByNumber.get(caller) ?? []);
    record('sms', sms.map((s) => s.at));
    // The SMSC message ids the outbox recorded for this message must be those of the SMS found by number.
    const provider = ns.find((n) => n.channel === 'sms')?.providerId ?? '';
    for (const s of sms) if (s.ids.join(',') !== provider || !/voice message/i.test(s.text)) ch.sms.badContent++;
    const rel = (t: number): string => (Number.isFinite(t) ? String(Math.round(t - hangup)) : '');
    perCall.push(
      [callId, m.callerNumber ?? '', String(Math.round(hangup)), rel(commit), rel(firstAt.email), rel(firstAt.sms), rel(firstAt.webhook), rel(sentAt.email), rel(sentAt.sms), rel(sentAt.webhook)].join(','),
    );
  }
  if (negative > 0) notes.push(`${String(negative)} deliveries stamped before their call's BYE (SIPp stamps the BYE after sending it; on a busy machine that stamp can be late)`);
  const csv = process.env['BENCH_NOTIFY_CSV'];
  if (csv) {
    writeFileSync(csv, `${perCall.join('\n')}\n`);
    notes.push(`per-call times (ms after the BYE) written to ${csv}`);
  }
  mailUnmatched += [...mailsById.keys()].filter((id) => !knownIds.has(id)).reduce((n, id) => n + (mailsById.get(id)?.length ?? 0), 0);
  hookUnmatched += [...hooksById.keys()].filter((id) => !knownIds.has(id)).reduce((n, id) => n + (hooksById.get(id)?.length ?? 0), 0);
  smsUnmatched += [...smsByNumber.keys()].filter((n) => !knownNumbers.has(n)).reduce((k, n) => k + (smsByNumber.get(n)?.length ?? 0), 0);
  const unmatched: Record<NotifyChannel, number> = { email: mailUnmatched, sms: smsUnmatched, webhook: hookUnmatched };

  const expected = knownIds.size;
  const rows: NotifyChannelRow[] = (['email', 'sms', 'webhook'] as const).map((c) => ({
    channel: c,
    expected,
    delivered: ch[c].delivered,
    duplicates: ch[c].duplicates,
    unmatched: unmatched[c],
    notSent: ch[c].notSent,
    retried: ch[c].retried,
    total: stats(ch[c].total),
    fromCommit: stats(ch[c].fromCommit),
    badContent: ch[c].badContent,
  }));

  const sippSuccessful = sipp.counters['SuccessfulCall'] ?? 0;
  const sippFailed = sipp.counters['FailedCall'] ?? 0;
  if (sipp.code !== 0) notes.push(`SIPp exit code ${String(sipp.code)}${sipp.errors.trim() ? `; error log: ${sipp.errors.trim().slice(0, 800)}` : ''}`);
  const exactlyOnce = (r: NotifyChannelRow): boolean => r.expected === deposits && r.delivered === r.expected && r.duplicates === 0 && r.unmatched === 0;
  const email = rows.find((r) => r.channel === 'email')!;
  const targetMet = sippFailed === 0 && exactlyOnce(email) && email.total.p99 <= NOTIFY_TARGET_P99_MS;
  const line = (r: NotifyChannelRow): string =>
    `${r.channel} p50 ${int(r.total.p50)} / p99 ${int(r.total.p99)} ms (${String(r.delivered)}/${String(r.expected)}${r.duplicates ? `, ${String(r.duplicates)} duplicates` : ''})`;
  const summary =
    `notifications, ${String(deposits)} deposits (${String(concurrency)} at once): hang-up → ${rows.map(line).join('; ')} — ` +
    `target e-mail p99 ≤ ${int(NOTIFY_TARGET_P99_MS)} ms, each delivered once: ${targetMet ? 'met' : 'NOT met'}` +
    (rows.every(exactlyOnce) ? '; every channel exactly once' : '; NOT every channel exactly once');

  if (options.keepData ?? process.env['BENCH_NOTIFY_KEEP'] === '1') notes.push(`data kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });

  return {
    rows,
    summary,
    targetMet,
    deposits,
    concurrency,
    ratePer10s,
    talkSeconds,
    sippSuccessful,
    sippFailed,
    messages: store.messages.length,
    missedCalls: store.missed,
    hangupToCommit: stats(hangupToCommit),
    byeTo200: stats(byeTo200),
    sippSeconds,
    loadAverage: `${load0} → ${load1}`,
    serverWarnings,
    cpu,
    healthz: stats(health.map((h) => (h.ok ? h.ms : 10_000))),
    acceptToRecorded: { email: stats(ch.email.recorded), sms: stats(ch.sms.recorded), webhook: stats(ch.webhook.recorded) },
    notes,
  };
}

const ms = (n: number): string => (Number.isFinite(n) ? int(n) : '–');

export function printNotifyBench(r: NotifyBenchResult): void {
  printTable(
    `Notifications: hang-up (SIPp BYE sent) → accepted by the receiver, ${String(r.deposits)} deposits, ${String(r.concurrency)} calls at once`,
    [
      { title: 'channel' },
      { title: 'delivered / messages', align: 'right' },
      { title: 'duplicates', align: 'right' },
      { title: 'p50 ms', align: 'right' },
      { title: 'p95 ms', align: 'right' },
      { title: 'p99 ms', align: 'right' },
      { title: 'max ms', align: 'right' },
      { title: 'min ms', align: 'right' },
      { title: 'outbox row → accepted p50 / p99 ms', align: 'right' },
      { title: 'retried', align: 'right' },
    ],
    r.rows.map((x) => [
      x.channel === 'email' ? 'e-mail (SMTP 250)' : x.channel === 'sms' ? 'SMS (submit_sm_resp)' : 'webhook (HTTP 200)',
      `${String(x.delivered)} / ${String(x.expected)}`,
      String(x.duplicates + x.unmatched),
      ms(x.total.p50),
      ms(x.total.p95),
      ms(x.total.p99),
      ms(x.total.max),
      ms(x.total.min),
      `${ms(x.fromCommit.p50)} / ${ms(x.fromCommit.p99)}`,
      String(x.retried),
    ]),
  );
  const h = r.hangupToCommit;
  const b = r.byeTo200;
  console.log(
    `\nhang-up → message + outbox rows committed: p50 ${ms(h.p50)}, p95 ${ms(h.p95)}, p99 ${ms(h.p99)}, max ${ms(h.max)} ms; ` +
      `BYE → 200 OK at SIPp: p50 ${ms(b.p50)}, p99 ${ms(b.p99)}, max ${ms(b.max)} ms`,
  );
  console.log(
    `SIPp: ${String(r.sippSuccessful)} successful, ${String(r.sippFailed)} failed, ${fixed(r.sippSeconds, 1)} s (${String(r.ratePer10s)} calls per 10 s); ` +
      `messages ${String(r.messages)}, missed calls ${String(r.missedCalls)}; server warnings ${String(r.serverWarnings)}; load average ${r.loadAverage}`,
  );
  const c = r.cpu;
  const pct = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '–');
  console.log(
    `CPU from SIPp start to the last delivery, % of one core: server ${pct(c.server)}, SIPp ${pct(c.sipp)}, bench receivers ${pct(c.bench)}; ` +
      `machine ${pct(c.machine)} % of all CPUs (busiest second ${pct(c.machinePeak)} %). GET /healthz p50 ${fixed(r.healthz.p50, 1)}, p99 ${fixed(r.healthz.p99, 1)}, max ${fixed(r.healthz.max, 1)} ms`,
  );
  const a = r.acceptToRecorded;
  console.log(
    `receiver accepted → outcome recorded in the outbox, p50 / p99 ms: e-mail ${ms(a.email.p50)} / ${ms(a.email.p99)}, SMS ${ms(a.sms.p50)} / ${ms(a.sms.p99)}, webhook ${ms(a.webhook.p50)} / ${ms(a.webhook.p99)}`,
  );
  const bad = r.rows.filter((x) => x.badContent > 0 || x.notSent > 0 || x.unmatched > 0);
  for (const x of bad) console.log(`${x.channel}: ${String(x.badContent)} with bad content, ${String(x.notSent)} outbox rows not sent, ${String(x.unmatched)} unmatched deliveries`);
  for (const n of r.notes) console.log(`note: ${n}`);
  console.log(`\n${r.summary}`);
}

