/**
 * Settings that can be given on the command line or in the environment, one table for
 * both so the two never drift apart. The CLI builds its options from this table and the
 * README documents it.
 *
 * Values arrive as strings. A parser turns a well-formed string into the typed value and
 * leaves anything else as it is, so that the schema reports it with the operator's own
 * text (`got "abc"`). Only `--rtp-ports`, which has no field of its own, reports its
 * format errors itself.
 */
import type { Result } from '../shared/result.js';
import { err, ok } from '../shared/result.js';
import { LOG_LEVELS, RTP_PORTS_RULE } from './schema.js';

/** Command-line flags as commander hands them over (camelCased, unparsed strings). */
export interface ConfigFlags {
  /** `--config FILE` */
  readonly config?: string | undefined;
  readonly data?: string | undefined;
  readonly sipHost?: string | undefined;
  readonly sipPort?: string | undefined;
  readonly httpHost?: string | undefined;
  readonly httpPort?: string | undefined;
  readonly rtpPorts?: string | undefined;
  readonly mediaWorkers?: string | undefined;
  readonly mediaWorkerNice?: string | undefined;
  readonly mediaOverloadRefuseMs?: string | undefined;
  readonly sipThreadNice?: string | undefined;
  readonly nice?: string | undefined;
  readonly storeWriter?: string | undefined;
  readonly rtpSockets?: string | undefined;
  readonly rtpReadIntervalMs?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly smtpUrl?: string | undefined;
  readonly mailFrom?: string | undefined;
  readonly smppUrl?: string | undefined;
}

/** One field assignment: a path into the config and the value to put there. */
export interface Assignment {
  readonly path: readonly string[];
  readonly value: unknown;
}

export interface ConfigOverride {
  /** The key in `ConfigFlags`. */
  readonly key: Exclude<keyof ConfigFlags, 'config'>;
  /** e.g. `--sip-port` */
  readonly flag: string;
  /** Commander's argument placeholder, e.g. `<port>`. */
  readonly argName: string;
  readonly env: string;
  /** The field it sets, as named in error messages. */
  readonly field: string;
  readonly description: string;
  readonly parse: (raw: string) => Result<readonly Assignment[], string>;
}

/** `"5060"` → 5060; anything that is not a plain decimal integer is passed on as text. */
function integerOrText(raw: string): unknown {
  const s = raw.trim();
  return /^[0-9]{1,9}$/.test(s) ? Number(s) : raw;
}

/** Like integerOrText, with a sign (a niceness). */
function signedIntegerOrText(raw: string): unknown {
  const s = raw.trim();
  return /^[-+]?[0-9]{1,9}$/.test(s) ? Number(s) : raw;
}

/** `"127.0.0.1, ::1"` → `["127.0.0.1", "::1"]` (empty items are kept, and refused by the schema). */
function list(raw: string): string[] {
  return raw.split(',').map((s) => s.trim());
}

const set =
  (path: readonly string[], convert: (raw: string) => unknown = (raw) => raw) =>
  (raw: string): Result<readonly Assignment[], string> =>
    ok([{ path, value: convert(raw) }]);

/**
 * `"20000-29999"` → `{ portMin: 20000, portMax: 29999 }`. A is even (RTP), B may be odd
 * (the RTCP port of the last pair).
 */
export function parseRtpPorts(raw: string): Result<{ portMin: number; portMax: number }, string> {
  const m = /^\s*([0-9]{1,5})\s*-\s*([0-9]{1,5})\s*$/.exec(raw);
  if (!m) return err(RTP_PORTS_RULE);
  const portMin = Number(m[1]);
  const portMax = Number(m[2]);
  if (portMin % 2 !== 0 || portMin >= portMax || portMin < 1_024 || portMax > 65_535) return err(RTP_PORTS_RULE);
  return ok({ portMin, portMax });
}

export const CONFIG_OVERRIDES: readonly ConfigOverride[] = [
  {
    key: 'data',
    flag: '--data',
    argName: '<dir>',
    env: 'VOXMAIL_DATA',
    field: 'dataDir',
    description: 'data directory (created if missing)',
    parse: set(['dataDir']),
  },
  {
    key: 'sipHost',
    flag: '--sip-host',
    argName: '<list>',
    env: 'VOXMAIL_SIP_HOST',
    field: 'sip.hosts',
    description: 'comma-separated IP addresses for SIP, e.g. 127.0.0.1,::1',
    parse: set(['sip', 'hosts'], list),
  },
  {
    key: 'sipPort',
    flag: '--sip-port',
    argName: '<port>',
    env: 'VOXMAIL_SIP_PORT',
    field: 'sip.port',
    description: 'SIP port for UDP and TCP (0 picks a free port)',
    parse: set(['sip', 'port'], integerOrText),
  },
  {
    key: 'httpHost',
    flag: '--http-host',
    argName: '<ip>',
    env: 'VOXMAIL_HTTP_HOST',
    field: 'http.host',
    description: 'IP address for the HTTP server',
    parse: set(['http', 'host'], (raw) => raw.trim()),
  },
  {
    key: 'httpPort',
    flag: '--http-port',
    argName: '<port>',
    env: 'VOXMAIL_HTTP_PORT',
    field: 'http.port',
    description: 'HTTP port (0 picks a free port)',
    parse: set(['http', 'port'], integerOrText),
  },
  {
    key: 'rtpPorts',
    flag: '--rtp-ports',
    argName: '<A-B>',
    env: 'VOXMAIL_RTP_PORTS',
    field: 'rtp.ports',
    description: 'RTP/RTCP port range, e.g. 20000-29999 (A even)',
    parse: (raw) => {
      const r = parseRtpPorts(raw);
      if (!r.ok) return r;
      return ok([
        { path: ['rtp', 'portMin'], value: r.value.portMin },
        { path: ['rtp', 'portMax'], value: r.value.portMax },
      ]);
    },
  },
  {
    key: 'mediaWorkers',
    flag: '--media-workers',
    argName: '<n>',
    env: 'VOXMAIL_MEDIA_WORKERS',
    field: 'media.workers',
    description: 'media worker threads (0: media on the main thread, the default; N: RTP and recordings spread over N threads)',
    parse: set(['media', 'workers'], integerOrText),
  },
  {
    key: 'mediaWorkerNice',
    flag: '--media-worker-nice',
    argName: '<n>',
    env: 'VOXMAIL_MEDIA_WORKER_NICE',
    field: 'media.workerNice',
    description: 'niceness of the media worker threads, -20 to 19 (0, the default, leaves it; negative: media first, needs root or CAP_SYS_NICE)',
    parse: set(['media', 'workerNice'], signedIntegerOrText),
  },
  {
    key: 'mediaOverloadRefuseMs',
    flag: '--media-overload-refuse-ms',
    argName: '<ms>',
    env: 'VOXMAIL_MEDIA_OVERLOAD_REFUSE_MS',
    field: 'media.overloadRefuseMs',
    description: 'refuse new calls with 503 while a media thread lost this many ms of real time in 5 s (default 2000; 0: never)',
    parse: set(['media', 'overloadRefuseMs'], integerOrText),
  },
  {
    key: 'sipThreadNice',
    flag: '--sip-thread-nice',
    argName: '<n>',
    env: 'VOXMAIL_SIP_THREAD_NICE',
    field: 'sip.threadNice',
    description: 'niceness of the SIP thread alone (the main thread), -20 to 19 (0, the default, leaves it; negative: INVITEs and ACKs read first when the media fill the cores, needs root or CAP_SYS_NICE)',
    parse: set(['sip', 'threadNice'], signedIntegerOrText),
  },
  {
    key: 'nice',
    flag: '--nice',
    argName: '<n>',
    env: 'VOXMAIL_NICE',
    field: 'process.nice',
    description: 'niceness of the whole server (every thread), -20 to 19 (0, the default, leaves it; negative: Voxmail first on a shared box, needs root or CAP_SYS_NICE)',
    parse: set(['process', 'nice'], signedIntegerOrText),
  },
  {
    key: 'storeWriter',
    flag: '--store-writer',
    argName: '<where>',
    env: 'VOXMAIL_STORE_WRITER',
    field: 'store.writer',
    description: 'where per-call database writes run: main (the default) or worker (a store writer thread with group commit)',
    parse: set(['store', 'writer'], (raw) => raw.trim().toLowerCase()),
  },
  {
    key: 'rtpSockets',
    flag: '--rtp-sockets',
    argName: '<kind>',
    env: 'VOXMAIL_RTP_SOCKETS',
    field: 'rtp.sockets',
    description: 'RTP sockets: auto (native where possible, the default), native or dgram',
    parse: set(['rtp', 'sockets'], (raw) => raw.trim().toLowerCase()),
  },
  {
    key: 'rtpReadIntervalMs',
    flag: '--rtp-read-interval-ms',
    argName: '<ms>',
    env: 'VOXMAIL_RTP_READ_INTERVAL_MS',
    field: 'rtp.readIntervalMs',
    description: 'how often a call\'s RTP socket is read once audio flows: 100 ms (the default: five packets per read, a third less CPU), 0 (each packet as it arrives) or 40–1000',
    parse: set(['rtp', 'readIntervalMs'], integerOrText),
  },
  {
    key: 'logLevel',
    flag: '--log-level',
    argName: '<level>',
    env: 'VOXMAIL_LOG_LEVEL',
    field: 'log.level',
    description: 'trace, debug, info, warn, error, fatal or silent',
    parse: set(['log', 'level'], (raw) => {
      const level = raw.trim().toLowerCase();
      return (LOG_LEVELS as readonly string[]).includes(level) ? level : raw;
    }),
  },
  {
    key: 'smtpUrl',
    flag: '--smtp-url',
    argName: '<url>',
    env: 'VOXMAIL_SMTP_URL',
    field: 'notify.smtpUrl',
    description: 'SMTP server for voicemail e-mail, e.g. smtp://user:pass@mail.example.com:587 (default: .eml files in the data dir)',
    parse: set(['notify', 'smtpUrl'], (raw) => raw.trim()),
  },
  {
    key: 'mailFrom',
    flag: '--mail-from',
    argName: '<address>',
    env: 'VOXMAIL_MAIL_FROM',
    field: 'notify.mailFrom',
    description: 'sender of voicemail e-mail, e.g. "Voxmail <vm@example.com>"',
    parse: set(['notify', 'mailFrom']),
  },
  {
    key: 'smppUrl',
    flag: '--smpp-url',
    argName: '<url>',
    env: 'VOXMAIL_SMPP_URL',
    field: 'notify.smppUrl',
    description: 'SMPP server (SMSC) for SMS, e.g. smpp://system_id:password@smsc.example.com:2775',
    parse: set(['notify', 'smppUrl'], (raw) => raw.trim()),
  },
];

/** The environment variable that names the config file (`--config` wins over it). */
export const CONFIG_FILE_ENV = 'VOXMAIL_CONFIG';

/** Every environment variable Voxmail reads; any other `VOXMAIL_*` is refused as a typo. */
export const KNOWN_ENV_VARS: readonly string[] = [CONFIG_FILE_ENV, ...CONFIG_OVERRIDES.map((o) => o.env)];
