/**
 * The whole configuration of a Voxmail server: its shape, its defaults and the rules a
 * value must follow. Every message here completes the sentence "<field path>: ...", so
 * that an operator reading `sip.port: must be an integer 0–65535 ...` knows what to
 * write instead. The messages are part of the user interface: keep them short and
 * say what IS allowed.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const SIP_TRANSPORTS = ['udp', 'tcp'] as const;
export type SipTransportName = (typeof SIP_TRANSPORTS)[number];

/** RFC 3261 §17.1.1.1 timer base values, milliseconds. */
export interface SipTimersConfig {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
}

/**
 * What a peer may make the SIP stack hold. Mirrors `SipLimits` in src/sip/options.ts
 * (config may not import sip; test/unit/config/defaults.test.ts keeps the two equal).
 */
export interface SipLimitsConfig {
  readonly maxMessageBytes: number;
  readonly maxHeaders: number;
  readonly maxLineBytes: number;
  readonly tcpMaxConnections: number;
  readonly tcpIdleTimeoutMs: number;
  readonly tcpMessageTimeoutMs: number;
  readonly maxTransactions: number;
  /** New INVITEs waiting for their turn (src/sip/options.ts); beyond, 503. */
  readonly maxWaitingNewCalls: number;
}

export interface SipConfig {
  /** IP literals to listen on; one socket per host and transport. */
  readonly hosts: readonly string[];
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly transports: readonly SipTransportName[];
  readonly timers: SipTimersConfig;
  readonly limits: SipLimitsConfig;
  /** Answer to the source port of every request, as if it had `;rport` (RFC 3581). */
  readonly forceRport: boolean;
  /**
   * Niceness of the SIP thread — the main thread, which also runs the call flows, the
   * database and HTTP — alone (−20…19; 0, the default, leaves it). Negative values let it
   * read a caller's INVITE and ACK as soon as they arrive while the media threads fill the
   * cores; the threads it starts (media workers, the store writer) give the priority back.
   * On the deposits bench (2 cores, 2,500 calls, 2 media workers) −10 took INVITE→200 p99
   * from 170–540 ms to 14–91 ms in alternating pairs (ADR 0009). Needs root or
   * CAP_SYS_NICE; without, said once in the log.
   */
  readonly threadNice: number;
}

/** Ports for media. RTP takes the even port of a pair, RTCP the odd one above it. */
export interface RtpConfig {
  readonly portMin: number;
  readonly portMax: number;
  /**
   * `auto` (default): RTP on native sockets (native/udp-io: one epoll set per thread,
   * batched reads; ADR 0006) where the addon is built and the address is IPv4, else
   * node:dgram; `native`: native or calls fail (no silent fallback); `dgram`: node:dgram.
   */
  readonly sockets: 'auto' | 'native' | 'dgram';
  /**
   * Native sockets: how often (ms) a call's socket is read once its first packet has
   * arrived: 100 (default) reads five 20 ms packets per system call and is a third
   * cheaper per packet than reading each packet as it comes (0); DTMF then acts up to
   * that much later (ADR 0006 amendment "paced reads"). 0, or 40–1,000.
   */
  readonly readIntervalMs: number;
}

/**
 * The media engine. `workers: 0` (the default) runs RTP, prompts and recordings on the
 * main thread, as one process always did; `N ≥ 1` starts N media worker threads, gives
 * each a disjoint slice of the RTP port range, and places every call's media in one of
 * them (docs/adr/0004-media-workers.md). SIP, the call flow and the store stay on the
 * main thread either way.
 */
export interface MediaConfig {
  readonly workers: number;
  /**
   * Niceness of the media worker threads (−20…19; 0, the default, leaves it). Negative
   * values give the threads that pace every caller's audio the CPU first when other
   * processes load the machine (as Asterisk `-p` / FreeSWITCH `-hp` do). Not the default:
   * on 2 cores with the SIP thread as busy as the media (deposits bench, 2,500 calls),
   * −10 starved the SIP thread — INVITE→200 p99 0.8–1.2 s against 62–188 ms. Needs root or
   * CAP_SYS_NICE; without, the threads keep the normal priority (said once in the log).
   */
  readonly workerNice: number;
  /**
   * Refuse new calls with 503 (Retry-After: 5) while a media thread has lost this much real
   * time, in ms, to skipped ticks within the last 5 s, over two or more late wake-ups
   * (src/media/overload-gate.ts, ADR 0010); with media workers, only when every worker is
   * so. Such a thread stretches every caller's prompts, and seconds behind it lets the
   * kernel drop RTP — audio missing from messages the callers think they left; a 503 lets
   * the PBX route the call elsewhere while the calls in progress keep theirs. A single
   * stall (a pause of the machine, a long GC) never refuses. Default 2,000 (40 % of real
   * time lost): at 1,000 a typical 2,500-call run of the deposits bench, whose messages were
   * all complete, refused 483 calls in its ramp; at 2,000 none. 0: never refuse.
   */
  readonly overloadRefuseMs: number;
}

/**
 * The server process as the operating system schedules it. `nice` (−20…19; 0, the
 * default, leaves it): the niceness of every thread of the process — SIP, the call flow
 * and the database on the main thread, the media workers, the store writer, the garbage
 * collector's and libuv's helpers — set once at start, so that threads started later
 * inherit it. Negative values give Voxmail the CPU before the other processes of the box,
 * as telephony servers are deployed (FreeSWITCH's packaged unit runs it SCHED_RR,
 * Asterisk has `-p`). The whole process at once, so the SIP thread and the media keep
 * their balance (`media.workerNice` alone starves the SIP thread). On the deposits bench
 * (2 cores, SIPp beside us) −10 did not help beyond the machine's noise: our own threads
 * fill both cores there (ADR 0007). Needs root or CAP_SYS_NICE; without, said once in the log.
 */
export interface ProcessConfig {
  readonly nice: number;
}

/**
 * Where the store's per-call writes run. `main` (the default): synchronously on the main
 * thread's SQLite connection, one fsync per transaction. `worker`: a store writer thread
 * with its own connection runs deposits.begin/finish/abandon and the outbox's
 * enqueue/claimDue/complete, several queued writes in one transaction (one fsync), each
 * in its own savepoint (docs/adr/0005-store-writer-thread.md).
 */
export interface StoreConfig {
  readonly writer: 'main' | 'worker';
}

export interface HttpConfig {
  readonly host: string;
  readonly port: number;
  /**
   * Whose `X-Forwarded-For` / `-Proto` to believe (a TLS proxy in front): false (the
   * socket's address is the client), true (any hop), or the proxies' addresses/CIDRs.
   * The client address counts for login lock-out and the audit log.
   */
  readonly trustProxy: boolean | readonly string[];
  /** `Secure` flag of the login cookies: "auto" = when the request came over https (or notify.publicUrl is https). */
  readonly cookieSecure: 'auto' | boolean;
}

export interface LogConfig {
  readonly level: LogLevel;
}

/** A generic HTTP SMS gateway (used when no SMPP server is configured). */
export interface SmsHttpConfig {
  /** URL template; `{to}` and `{text}` are replaced (URL-encoded). */
  readonly url: string;
  readonly method: 'GET' | 'POST';
  /** Body template for POST (`{to}`, `{text}`; JSON-escaped when Content-Type is JSON). */
  readonly body: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** How notifications leave: servers, sender address, retry and give-up times. */
export interface NotifyConfig {
  /** `smtp://user:pass@host:port` or `smtps://...`; null = write .eml files into `<dataDir>/outbox/mail`. */
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
  /** `smpp://system_id:password@host:port`; null = the HTTP gateway, or files in `<dataDir>/outbox/sms`. */
  readonly smppUrl: string | null;
  readonly smsHttp: SmsHttpConfig | null;
  /** The SMS sender id / source address. */
  readonly smsFrom: string | null;
  /** Base URL of the web inbox for links in notifications, e.g. https://vm.example.com; null = no links. */
  readonly publicUrl: string | null;
  /** Back-off of failed deliveries: base × 2^(attempt−1), capped, ±20% jitter. */
  readonly retry: { readonly baseMs: number; readonly maxMs: number };
  /** After this long a notification is given up (and `notification.failed` fires). */
  readonly giveUpHours: { readonly email: number; readonly sms: number; readonly webhook: number; readonly mwi: number };
}

/** A network whose SIP requests may deposit messages, and the tenant they belong to. */
export interface TrustedNetworkConfig {
  /** `10.0.0.0/8`, `192.0.2.7/32`, `::1/128`; a bare address means one host. */
  readonly cidr: string;
  readonly tenant: string;
}

/** A SIP digest account (RFC 8760: SHA-256 and MD5) that may deposit messages. */
export interface SipAccountConfig {
  readonly username: string;
  /** Never logged. */
  readonly password: string;
  readonly tenant: string;
}

/**
 * Who may leave messages: an INVITE must come from a trusted network or authenticate
 * with a digest account; anything else gets the same 403, whatever mailbox it names.
 */
export interface TrustConfig {
  readonly networks: readonly TrustedNetworkConfig[];
  readonly realm: string;
  readonly accounts: readonly SipAccountConfig[];
}

/** The validated, deeply frozen configuration that `loadConfig` returns. */
export interface Config {
  /** Absolute path of the directory that holds the database and the audio. */
  readonly dataDir: string;
  readonly sip: SipConfig;
  readonly rtp: RtpConfig;
  readonly media: MediaConfig;
  readonly process: ProcessConfig;
  readonly store: StoreConfig;
  readonly http: HttpConfig;
  readonly log: LogConfig;
  readonly trust: TrustConfig;
  readonly notify: NotifyConfig;
}

/**
 * The embedded defaults (before `dataDir` is resolved against the working directory).
 * The SIP numbers duplicate DEFAULT_SIP_TIMERS / DEFAULT_SIP_LIMITS on purpose.
 */
export const DEFAULT_CONFIG: Config = deepFreeze({
  dataDir: './data',
  sip: {
    hosts: ['0.0.0.0'],
    port: 5060,
    transports: ['udp', 'tcp'],
    timers: { t1: 500, t2: 4_000, t4: 5_000 },
    limits: {
      maxMessageBytes: 65_535,
      maxHeaders: 256,
      maxLineBytes: 16_384,
      tcpMaxConnections: 1_024,
      tcpIdleTimeoutMs: 120_000,
      tcpMessageTimeoutMs: 10_000,
      maxTransactions: 250_000,
      maxWaitingNewCalls: 2_000,
    },
    forceRport: true,
    threadNice: 0,
  },
  rtp: { portMin: 20_000, portMax: 29_999, sockets: 'auto', readIntervalMs: 100 },
  media: { workers: 0, workerNice: 0, overloadRefuseMs: 2_000 },
  process: { nice: 0 },
  store: { writer: 'main' },
  http: { host: '127.0.0.1', port: 8080, trustProxy: false, cookieSecure: 'auto' },
  log: { level: 'info' },
  // Loopback only: a newcomer's softphone on the same machine can call the demo mailbox.
  trust: {
    networks: [
      { cidr: '127.0.0.0/8', tenant: 'demo' },
      { cidr: '::1/128', tenant: 'demo' },
    ],
    realm: 'voxmail',
    accounts: [],
  },
  notify: {
    smtpUrl: null,
    mailFrom: 'Voxmail <voxmail@localhost>',
    smppUrl: null,
    smsHttp: null,
    smsFrom: null,
    publicUrl: null,
    retry: { baseMs: 5_000, maxMs: 3_600_000 },
    // Mail servers retry for days; an SMS or a lamp days late is worse than none.
    giveUpHours: { email: 72, sms: 24, webhook: 24, mwi: 1 },
  },
});

// ---------------------------------------------------------------------------------
// Field rules

const fmt = (n: number): string => String(n);

/** An integer in [min, max]; one message for every way of getting it wrong. */
function intIn(min: number, max: number, what = `an integer ${fmt(min)}–${fmt(max)}`): z.ZodInt {
  const message = `must be ${what}`;
  return z.int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

export const PORT_RULE = 'must be an integer 0–65535 (0 picks a free port)';
const port = z.int({ error: PORT_RULE }).min(0, { error: PORT_RULE }).max(65_535, { error: PORT_RULE });

const IP_RULE = 'must be an IP address literal such as 0.0.0.0, 127.0.0.1, :: or ::1';
const ipLiteral = z.string({ error: IP_RULE }).refine((s) => isIP(s) !== 0, { error: IP_RULE });

/** A strict object: unknown keys are refused, and the message lists the allowed ones. */
function section<S extends z.ZodRawShape>(shape: S): z.ZodObject<S, z.core.$strict> {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
        return `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys} (allowed: ${allowed})`;
      }
      return `must be a mapping with the keys ${allowed}`;
    },
  });
}

function firstDuplicate<T>(items: readonly T[]): T | undefined {
  const seen = new Set<T>();
  for (const item of items) {
    if (seen.has(item)) return item;
    seen.add(item);
  }
  return undefined;
}

const hosts = z
  .array(ipLiteral, { error: `must be a list of IP address literals, e.g. ["0.0.0.0"] or ["127.0.0.1", "::1"]` })
  .min(1, { error: 'must list at least one IP address' })
  .superRefine((list, ctx) => {
    const dup = firstDuplicate(list);
    if (dup !== undefined) ctx.addIssue({ code: 'custom', message: `must not list ${JSON.stringify(dup)} twice`, input: list });
  });

const TRANSPORT_RULE = 'must be "udp" or "tcp"';
const transports = z
  .array(z.enum(SIP_TRANSPORTS, { error: TRANSPORT_RULE }), { error: 'must be a list of transports: ["udp", "tcp"], ["udp"] or ["tcp"]' })
  .min(1, { error: 'must list at least one transport ("udp", "tcp")' })
  .superRefine((list, ctx) => {
    const dup = firstDuplicate(list);
    if (dup !== undefined) ctx.addIssue({ code: 'custom', message: `must not list ${JSON.stringify(dup)} twice`, input: list });
  });

const timers = section({
  t1: intIn(1, 60_000, 'an integer number of milliseconds 1–60000'),
  t2: intIn(1, 600_000, 'an integer number of milliseconds 1–600000'),
  t4: intIn(1, 600_000, 'an integer number of milliseconds 1–600000'),
}).superRefine((t, ctx) => {
  // RFC 3261 §17.1.2.2: T2 caps the doubling interval that starts at T1.
  if (t.t2 < t.t1) ctx.addIssue({ code: 'custom', path: ['t2'], message: `must be at least sip.timers.t1 (${fmt(t.t1)})`, input: t.t2 });
});

const limits = section({
  maxMessageBytes: intIn(1_024, 16_777_216),
  maxHeaders: intIn(8, 100_000),
  maxLineBytes: intIn(256, 16_777_216),
  tcpMaxConnections: intIn(1, 1_000_000),
  tcpIdleTimeoutMs: intIn(1_000, 86_400_000, 'an integer number of milliseconds 1000–86400000'),
  tcpMessageTimeoutMs: intIn(100, 3_600_000, 'an integer number of milliseconds 100–3600000'),
  maxTransactions: intIn(1, 10_000_000),
  maxWaitingNewCalls: intIn(1, 1_000_000),
}).superRefine((l, ctx) => {
  if (l.maxLineBytes > l.maxMessageBytes) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxLineBytes'],
      message: `must not exceed sip.limits.maxMessageBytes (${fmt(l.maxMessageBytes)})`,
      input: l.maxLineBytes,
    });
  }
});

const READ_INTERVAL_RULE = 'must be 0 (read each packet as it arrives) or an integer 40–1,000 (ms between reads of a socket)';
export const RTP_PORTS_RULE = 'must be "A-B" with even A < B in 1024–65535';
const rtp = section({
  portMin: z
    .int({ error: 'must be an even integer 1024–65534' })
    .min(1_024, { error: 'must be an even integer 1024–65534' })
    .max(65_534, { error: 'must be an even integer 1024–65534' })
    .refine((n) => n % 2 === 0, { error: 'must be an even integer 1024–65534 (RTP takes the even port of a pair)' }),
  portMax: intIn(1_025, 65_535),
  sockets: z.enum(['auto', 'native', 'dgram'], { error: 'must be "auto" (native sockets where possible), "native" or "dgram"' }),
  readIntervalMs: z
    .int({ error: READ_INTERVAL_RULE })
    .refine((n) => n === 0 || (n >= 40 && n <= 1_000), { error: READ_INTERVAL_RULE }),
}).superRefine((r, ctx) => {
  if (r.portMax <= r.portMin) {
    ctx.addIssue({ code: 'custom', path: ['portMax'], message: `must be greater than rtp.portMin (${fmt(r.portMin)})`, input: r.portMax });
  }
});

const OVERLOAD_RULE = 'must be 0 (never refuse calls) or an integer 100–4,500 (ms of real time lost in 5 s)';

/** At most this many media workers (a worker per core is the intended use). */
export const MAX_MEDIA_WORKERS = 64;
const media = section({
  workers: intIn(0, MAX_MEDIA_WORKERS, `an integer 0–${fmt(MAX_MEDIA_WORKERS)} (0: media on the main thread)`),
  workerNice: intIn(-20, 19, 'an integer −20–19 (a niceness; 0 leaves it)'),
  overloadRefuseMs: z
    .int({ error: OVERLOAD_RULE })
    .refine((v) => v === 0 || (v >= 100 && v <= 4_500), { error: OVERLOAD_RULE }),
});

const processSection = section({
  nice: intIn(-20, 19, 'an integer −20–19 (a niceness; 0 leaves it)'),
});

const store = section({
  writer: z.enum(['main', 'worker'], { error: 'must be "main" (writes on the main thread) or "worker" (a store writer thread)' }),
});

const CIDR_RULE = 'must be an IP network such as 10.0.0.0/8, 192.0.2.7/32, ::1/128 or a bare IP address';
/** `a.b.c.d/len` or `v6/len` with a prefix length that fits the family, or a bare address. */
export function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  const ip = slash < 0 ? s : s.slice(0, slash);
  const family = isIP(ip);
  if (family === 0) return false;
  if (slash < 0) return true;
  const len = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(len)) return false;
  return Number(len) <= (family === 4 ? 32 : 128);
}

const TENANT_RULE = 'must be a tenant id: 1–64 letters, digits, "-" or "_"';
const tenantId = z.string({ error: TENANT_RULE }).regex(/^[A-Za-z0-9_-]{1,64}$/, { error: TENANT_RULE });

const trust = section({
  networks: z.array(
    section({
      cidr: z.string({ error: CIDR_RULE }).refine(isCidr, { error: CIDR_RULE }),
      tenant: tenantId,
    }),
    { error: 'must be a list of { cidr, tenant } entries' },
  ).max(10_000, { error: 'must list at most 10000 networks' }),
  realm: z.string({ error: 'must be a realm name' }).regex(/^[\x21-\x7e]{1,128}$/, { error: 'must be 1–128 visible ASCII characters without spaces' }).refine((s) => !s.includes('"') && !s.includes('\\'), { error: 'must not contain quotes or backslashes' }),
  accounts: z
    .array(
      section({
        username: z.string({ error: 'must be a user name' }).regex(/^[A-Za-z0-9._~+-]{1,128}$/, { error: 'must be 1–128 of A–Z a–z 0–9 . _ ~ + -' }),
        password: z.string({ error: 'must be a password' }).min(8, { error: 'must be at least 8 characters' }).max(256, { error: 'must be at most 256 characters' }),
        tenant: tenantId,
      }),
      { error: 'must be a list of { username, password, tenant } entries' },
    )
    .max(10_000, { error: 'must list at most 10000 accounts' })
    .superRefine((list, ctx) => {
      const dup = firstDuplicate(list.map((a) => a.username));
      if (dup !== undefined) ctx.addIssue({ code: 'custom', message: `must not list the user name ${JSON.stringify(dup)} twice`, input: list });
    }),
});

/** `scheme://[user[:password]@]host[:port]` with one of the schemes; the password is never echoed. */
function serverUrl(schemes: readonly string[], example: string): z.ZodType<string> {
  const rule = `must be a URL like ${example}`;
  return z
    .string({ error: rule })
    .max(2048, { error: rule })
    .refine(
      (s) => {
        try {
          const u = new URL(s);
          return schemes.includes(u.protocol.slice(0, -1)) && u.hostname !== '';
        } catch {
          return false;
        }
      },
      { error: rule },
    );
}

const httpUrl = (what: string): z.ZodType<string> =>
  z
    .string({ error: `must be ${what}` })
    .max(2048, { error: `must be ${what}` })
    .refine((s) => /^https?:\/\/[^\s]+$/i.test(s) && URL.canParse(s), { error: `must be ${what}` });

const notify = section({
  smtpUrl: serverUrl(['smtp', 'smtps'], 'smtp://user:password@mail.example.com:587 or smtps://...:465').nullable(),
  mailFrom: z.string({ error: 'must be a sender address' }).min(3).max(320).regex(/@/, { error: 'must be a sender address like "Voxmail <vm@example.com>"' }),
  smppUrl: serverUrl(['smpp'], 'smpp://system_id:password@smsc.example.com:2775').nullable(),
  smsHttp: section({
    url: httpUrl('an http(s) URL template with {to} and {text}'),
    method: z.enum(['GET', 'POST'], { error: 'must be GET or POST' }),
    body: z.string({ error: 'must be a body template' }).max(8192).nullable(),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'must be a header name' }), z.string().max(4096)),
  }).nullable(),
  smsFrom: z.string({ error: 'must be a sender id' }).regex(/^[+A-Za-z0-9 ]{1,20}$/, { error: 'must be a phone number or up to 11 letters and digits' }).nullable(),
  publicUrl: httpUrl('the http(s) base URL of the web inbox, e.g. https://vm.example.com').nullable(),
  retry: section({ baseMs: intIn(100, 3_600_000), maxMs: intIn(1_000, 86_400_000) }),
  giveUpHours: section({ email: intIn(1, 720), sms: intIn(1, 720), webhook: intIn(1, 720), mwi: intIn(1, 720) }),
});

const LOG_LEVEL_RULE = `must be one of ${LOG_LEVELS.join(', ')}`;

/** Validates a complete configuration (defaults already merged in). */
export const configSchema: z.ZodType<Config> = section({
  dataDir: z
    .string({ error: 'must be a directory path' })
    .min(1, { error: 'must be a directory path (not empty)' })
    .refine((s) => !s.includes('\0'), { error: 'must be a directory path (no NUL characters)' }),
  sip: section({
    hosts,
    port,
    transports,
    timers,
    limits,
    forceRport: z.boolean({ error: 'must be true or false' }),
    threadNice: intIn(-20, 19, 'an integer −20–19 (a niceness; 0 leaves it)'),
  }),
  rtp,
  media,
  process: processSection,
  store,
  http: section({
    host: ipLiteral,
    port,
    trustProxy: z.union([z.boolean(), z.array(z.string().min(1).max(64)).min(1).max(64)], {
      error: 'must be true, false, or a list of proxy addresses / CIDRs (e.g. ["127.0.0.1", "10.0.0.0/8"])',
    }),
    cookieSecure: z.union([z.literal('auto'), z.boolean()], { error: 'must be "auto", true or false' }),
  }),
  log: section({ level: z.enum(LOG_LEVELS, { error: LOG_LEVEL_RULE }) }),
  trust,
  notify,
});

/** Freezes an object graph in place and returns it, typed read-only. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}
