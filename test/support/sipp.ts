/**
 * Runs SIPp 3.6.1 (Debian `sip-tester`) as a real SIP peer and reads back what it saw:
 * exit code, the `-stf` statistics CSV (successful/failed calls, retransmissions...),
 * the `-trace_screen` per-message table (count/retrans/timeout/unexpected for every
 * scenario element), the `-trace_err` log and the `-trace_msg` message log.
 *
 * Everything binds 127.0.0.1: SIP (-i/-p with -bind_local), media (-mi/-mp, which binds
 * P and P+2) and the control socket (-ci/-cp, which otherwise binds 0.0.0.0:8888).
 * Ports are proved free first; SIPp is re-run with new ports if it still cannot bind.
 * The process is killed when it overruns, and `killChildren()` kills it on failure.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { requireTool, spawnTracked, stopChild } from './child-processes.js';
import { freeUdpBlock, freeUdpPort, freeUdpTcpPort } from './ports.js';

/** Our scenarios (small, commented). */
export const SIPP_FIXTURES = resolve(import.meta.dirname, '../fixtures/sipp');
/** Scenarios shared between projects (vm_uac_g711.xml, vm_uac_pcap.xml). */
export const SHARED_SIPP = resolve(import.meta.dirname, '../../../shared/testdata/sipp');
/** RFC 4733 DTMF "1" as a pcap, shipped by the sip-tester package. */
export const DTMF_1_PCAP = '/usr/share/sip-tester/dtmf_2833_1.pcap';

/** Path of a scenario in test/fixtures/sipp (`'uac-basic'` or `'uac-basic.xml'`); throws if missing. */
export function sippFixture(name: string): string {
  const p = join(SIPP_FIXTURES, name.endsWith('.xml') ? name : `${name}.xml`);
  if (!existsSync(p)) throw new Error(`no SIPp scenario ${p}`);
  return p;
}

/** Path of a file that must exist (shared scenario, pcap); throws loudly otherwise. */
export function requireFile(path: string, hint: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing (${hint})`);
  return path;
}

export interface SippOptions {
  /** Scenario file (absolute path; see `sippFixture`). */
  readonly scenario: string;
  /** Where SIPp sends (the stack, a proxy or a relay). */
  readonly target: { readonly host: string; readonly port: number };
  readonly transport?: 'udp' | 'tcp';
  /** `-s`: the user part of the Request-URI ([service]). */
  readonly service?: string;
  /** `-m`: calls in all (default 1). */
  readonly calls?: number;
  /** `-l`: concurrent calls. */
  readonly concurrent?: number;
  /** `-r`: new calls per second. */
  readonly rate?: number;
  /** `-d`: the duration of a bare `<pause/>`, ms. */
  readonly durationMs?: number;
  /** `-key NAME VALUE` for [NAME] in the scenario. */
  readonly keys?: Readonly<Record<string, string>>;
  /** Text edits applied to a temporary copy of the scenario: `[marker, replacement]`; each marker must occur. */
  readonly edits?: readonly (readonly [string, string])[];
  /** Extra command-line arguments. */
  readonly args?: readonly string[];
  /** SIPp's own global timeout (-timeout, fails the run) and then a hard kill 5 s later. Default 20 s. */
  readonly timeoutMs?: number;
}

/** One row of SIPp's scenario screen: one element of the scenario. */
export interface SippScreenRow {
  /** `INVITE`, `100`, `Pause`... as SIPp prints it. */
  readonly message: string;
  readonly direction: 'out' | 'in' | 'other';
  readonly count: number;
  readonly retrans: number;
  readonly timeout: number;
  readonly unexpected: number;
}

/** One message from SIPp's -trace_msg log. */
export interface SippMessage {
  readonly direction: 'sent' | 'received';
  readonly transport: string;
  /** The message with CRLF turned into LF. */
  readonly text: string;
  readonly startLine: string;
  /** Values of every header field with this name (case-insensitive; compact forms not expanded). */
  header(name: string): string[];
}

export interface SippResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The -trace_err log (unexpected messages, failed regexps, timeouts). */
  readonly errors: string;
  /** The last -trace_screen dump. */
  readonly screen: string;
  readonly rows: readonly SippScreenRow[];
  /** Cumulative counters from the last -stf line, e.g. `SuccessfulCall`, `Retransmissions`. */
  readonly counters: Readonly<Record<string, number>>;
  readonly successful: number;
  readonly failed: number;
  /** Messages SIPp retransmitted (UDP; its timers or `retrans=`). */
  readonly retransmissions: number;
  readonly messages: readonly SippMessage[];
  readonly ports: { readonly sip: number; readonly media: number; readonly control: number };
  readonly args: readonly string[];
  /** Everything useful for an assertion message. */
  summary(): string;
}

/** Run SIPp to completion (or until it is killed) and collect what it reported. */
export async function runSipp(options: SippOptions): Promise<SippResult> {
  requireTool('sipp', 'apt-get install sip-tester');
  let last: SippResult | null = null;
  for (let attempt = 0; attempt < 4; attempt++) {
    last = await runOnce(options);
    if (!couldNotBind(last)) return last;
  }
  return last!;
}

function couldNotBind(r: SippResult): boolean {
  return r.code === 254 || (r.code !== 0 && /address already in use|unable to bind|can't bind|bind\(\) failed/i.test(r.stderr + r.stdout + r.errors));
}

async function runOnce(o: SippOptions): Promise<SippResult> {
  const dir = mkdtempSync(join(tmpdir(), 'voxmail-sipp-'));
  try {
    let scenario = o.scenario;
    if (o.edits && o.edits.length > 0) {
      let text = readFileSync(scenario, 'latin1');
      for (const [marker, replacement] of o.edits) {
        if (!text.includes(marker)) throw new Error(`scenario ${scenario} has no "${marker}" to edit`);
        text = text.split(marker).join(replacement);
      }
      scenario = join(dir, basename(scenario));
      writeFileSync(scenario, text, 'latin1');
    }
    const ports = { sip: await freeUdpTcpPort(), media: await freeUdpBlock(4), control: await freeUdpPort() };
    const files = { err: join(dir, 'err.log'), stat: join(dir, 'stat.csv'), screen: join(dir, 'screen.log'), msg: join(dir, 'msg.log') };
    const timeoutMs = o.timeoutMs ?? 20_000;
    const args = [
      `${o.target.host}:${String(o.target.port)}`,
      '-sf', scenario,
      '-m', String(o.calls ?? 1),
      '-t', o.transport === 'tcp' ? 't1' : 'u1',
      '-i', '127.0.0.1', '-bind_local', '-p', String(ports.sip),
      '-mi', '127.0.0.1', '-mp', String(ports.media),
      '-ci', '127.0.0.1', '-cp', String(ports.control),
      '-nostdin',
      '-trace_err', '-error_file', files.err,
      '-trace_stat', '-stf', files.stat, '-fd', '1',
      '-trace_screen', '-screen_file', files.screen,
      '-trace_msg', '-message_file', files.msg,
      '-timeout', `${String(Math.ceil(timeoutMs / 1000))}s`, '-timeout_error',
    ];
    if (o.service !== undefined) args.push('-s', o.service);
    if (o.concurrent !== undefined) args.push('-l', String(o.concurrent));
    if (o.rate !== undefined) args.push('-r', String(o.rate));
    if (o.durationMs !== undefined) args.push('-d', String(o.durationMs));
    for (const [k, v] of Object.entries(o.keys ?? {})) args.push('-key', k, v);
    args.push(...(o.args ?? []));

    const child = spawnTracked('sipp', args, { cwd: dir });
    const killer = setTimeout(() => void stopChild(child, 1000), timeoutMs + 5000);
    const { code, signal } = await child.exited;
    clearTimeout(killer);

    const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'latin1') : '');
    const screen = lastScreen(read(files.screen));
    const counters = parseStatCsv(read(files.stat));
    const errors = read(files.err);
    const messages = parseMessageLog(read(files.msg));
    const rows = parseScreenRows(screen);
    const result: SippResult = {
      code,
      signal,
      stdout: child.stdout,
      stderr: child.stderr,
      errors,
      screen,
      rows,
      counters,
      successful: counters['SuccessfulCall'] ?? 0,
      failed: counters['FailedCall'] ?? 0,
      retransmissions: counters['Retransmissions'] ?? 0,
      messages,
      ports,
      args,
      summary: () =>
        [
          `sipp ${args.join(' ')}`,
          `exit code ${String(code)}${signal ? ` (signal ${signal})` : ''}; successful ${String(result.successful)}, failed ${String(result.failed)}, retransmissions ${String(result.retransmissions)}`,
          `scenario screen:\n${rowsTable(rows)}`,
          errors.trim() ? `error log:\n${tail(errors, 3000)}` : 'error log: (empty)',
          `messages:\n${messages.map((m) => `  ${m.direction === 'sent' ? '->' : '<-'} ${m.startLine}`).join('\n')}`,
          child.stderr.trim() ? `stderr:\n${tail(child.stderr, 2000)}` : '',
        ].join('\n'),
    };
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A regexp a received message must match (a SIPp `<ereg check_it="true">`). */
export interface RegexpCheck {
  /** Variable name for assign_to (SIPp wants every variable referenced). */
  readonly name: string;
  /** POSIX extended regexp; no XML special characters. */
  readonly regexp: string;
  /** Header to search, with its colon (`Record-Route:`); without it the whole message. */
  readonly header?: string;
}

/**
 * Edits for `SippOptions.edits` that add regexp checks at a `<!-- marker -->` of a
 * scenario (inside a recv's `<action>`) and reference their variables.
 */
export function regexpChecks(marker: string, checks: readonly RegexpCheck[]): [string, string][] {
  for (const c of checks) if (/[<>&"]/.test(c.regexp)) throw new Error(`regexp ${c.regexp} would need XML escaping`);
  const eregs = checks
    .map((c) => `<ereg regexp="${c.regexp}" search_in="${c.header ? 'hdr' : 'msg'}"${c.header ? ` header="${c.header}"` : ''} check_it="true" assign_to="${c.name}"/>`)
    .join('\n      ');
  return [
    [`<!-- ${marker} -->`, eregs],
    ['<Reference variables="', `<Reference variables="${checks.map((c) => c.name).join(',')},`],
  ];
}

/** Assert that SIPp exited 0 with `calls` successful calls and none failed. */
export function assertSippOk(r: SippResult, calls = 1): void {
  assert.equal(r.code, 0, `SIPp failed\n${r.summary()}`);
  assert.equal(r.successful, calls, `SIPp counted ${String(r.successful)} successful calls, wanted ${String(calls)}\n${r.summary()}`);
  assert.equal(r.failed, 0, `SIPp counted failed calls\n${r.summary()}`);
}

/** The screen row for the n-th (0-based) element whose message is `message`, e.g. `row(r, 'INVITE')`. */
export function sippRow(r: SippResult, message: string, nth = 0): SippScreenRow {
  const rows = r.rows.filter((x) => x.message === message);
  const row = rows[nth];
  if (!row) throw new Error(`SIPp screen has no row #${String(nth)} for ${message}\n${r.summary()}`);
  return row;
}

/** Messages SIPp received whose start line matches. */
export function received(r: SippResult, startLine: RegExp): SippMessage[] {
  return r.messages.filter((m) => m.direction === 'received' && startLine.test(m.startLine));
}

/** Write `seconds` of a sine tone as raw G.711 µ-law (what SIPp's rtp_stream wants). */
export function writeUlawTone(path: string, seconds = 1, hz = 440): void {
  const n = Math.round(8000 * seconds);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = linearToUlaw(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000)));
  writeFileSync(path, out);
}

/** ITU-T G.711 µ-law encoding of one 16-bit sample. */
export function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = Math.max(-32768, Math.min(32767, sample));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; exponent--, mask >>= 1);
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

// --- parsers of SIPp's files --------------------------------------------------------

/** Last line of the -stf CSV as name → number, with the cumulative `(C)` columns under their bare name. */
export function parseStatCsv(text: string): Record<string, number> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return {};
  const names = lines[0]!.split(';');
  const values = lines[lines.length - 1]!.split(';');
  const out: Record<string, number> = {};
  names.forEach((name, i) => {
    const v = Number(values[i]);
    if (name === '' || !Number.isFinite(v)) return;
    out[name] = v;
    if (name.endsWith('(C)')) out[name.slice(0, -3)] = v;
  });
  return out;
}

function lastScreen(text: string): string {
  const i = text.lastIndexOf('Scenario Screen');
  if (i < 0) return text;
  const end = text.indexOf('Statistics Screen', i);
  return text.slice(text.lastIndexOf('\n', i) + 1, end < 0 ? undefined : text.lastIndexOf('\n', end) + 1);
}

/** Rows like `      INVITE ---------->  1  0  0` and `  200 <----------  1  0  0  0`. */
export function parseScreenRows(screen: string): SippScreenRow[] {
  const rows: SippScreenRow[] = [];
  for (const line of screen.split('\n')) {
    const m = /^\s*(\S+)\s+(?:(-{2,}>)|(<-{2,})|(\[[^\]]*\]))\s+(\d+)(?:\s+(\d+))?(?:\s+(\d+))?(?:\s+(\d+))?/.exec(line);
    if (!m) continue;
    rows.push({
      message: m[1]!,
      direction: m[2] ? 'out' : m[3] ? 'in' : 'other',
      count: Number(m[5]),
      retrans: m[4] ? 0 : Number(m[6] ?? 0),
      timeout: m[4] ? 0 : Number(m[7] ?? 0),
      unexpected: m[4] ? Number(m[6] ?? 0) : Number(m[8] ?? 0),
    });
  }
  return rows;
}

/** Blocks of the -trace_msg log: `----- date` / `UDP message sent (N bytes):` / message. */
export function parseMessageLog(text: string): SippMessage[] {
  const out: SippMessage[] = [];
  const blocks = text.split(/^-{10,} \d{4}-\d\d-\d\d [\d:.]+\r?\n/m);
  for (const block of blocks) {
    const m = /^(\w+) message (sent|received)[^\n]*\n/.exec(block);
    if (!m) continue;
    const body = block.slice(m[0].length).replace(/\r\n/g, '\n').replace(/^\n+/, '');
    const headEnd = body.indexOf('\n\n');
    const head = headEnd < 0 ? body : body.slice(0, headEnd);
    const headerLines = head.split('\n');
    out.push({
      direction: m[2] === 'sent' ? 'sent' : 'received',
      transport: m[1]!,
      text: body,
      startLine: headerLines[0] ?? '',
      header(name: string): string[] {
        const lower = name.toLowerCase();
        const values: string[] = [];
        for (const l of headerLines.slice(1)) {
          const c = l.indexOf(':');
          if (c > 0 && l.slice(0, c).trim().toLowerCase() === lower) values.push(l.slice(c + 1).trim());
        }
        return values;
      },
    });
  }
  return out;
}

function rowsTable(rows: readonly SippScreenRow[]): string {
  return rows
    .map((r) => `  ${r.message.padStart(8)} ${r.direction.padEnd(5)} count ${String(r.count)} retrans ${String(r.retrans)} timeout ${String(r.timeout)} unexpected ${String(r.unexpected)}`)
    .join('\n');
}

function tail(s: string, n: number): string {
  return s.length > n ? `...${s.slice(s.length - n)}` : s;
}
