/**
 * SDP text <-> typed session description.
 *
 * @see RFC 4566 (SDP: Session Description Protocol; RFC 8866 obsoletes it without
 *   changing anything this module relies on)
 *
 * A session description is a list of `<type>=<value>` lines: a session section, then
 * zero or more media sections, each opened by an `m=` line (RFC 4566 §5):
 *
 * ```
 *   v=0                                          protocol version       (§5.1)
 *   o=<user> <sess-id> <sess-version> IN IP4 <addr>   origin            (§5.2)
 *   s=<session name>                                                    (§5.3)
 *   i=* u=* e=* p=*                              info, uri, email, phone (§5.4-5.6)
 *   c=IN IP4 <addr>[/<ttl>][/<n>]                connection             (§5.7)
 *   b=<bwtype>:<kbps>                            bandwidth              (§5.8)
 *   t=<start> <stop>   r=*                       timing, repeats        (§5.9-5.10)
 *   z=* k=*                                      zones, key             (§5.11-5.12)
 *   a=<name>[:<value>]                           attributes             (§5.13)
 *   m=<media> <port>[/<n>] <proto> <fmt> ...     media section          (§5.14)
 *     i=* c=* b=* k=* a=*
 * ```
 *
 * The parser reads untrusted bytes from the network, so it never throws: every
 * problem is an `err(...)` the caller turns into a 400/488, and hard limits bound the
 * work. It is lenient where real phones are sloppy (LF or CRLF, trailing blanks, blank
 * lines, missing `s=`/`t=`, unknown line types, malformed optional lines) and strict
 * where a mistake would make us send media to the wrong place (`v=`, `o=`, `c=`, `m=`).
 */
import { err, ok } from '../../shared/result.js';
import type { Result } from '../../shared/result.js';

/** Hard limits on one session description; over them the parser returns an error. */
export const SDP_LIMITS = Object.freeze({
  /** Size of the text in UTF-8 octets. Real offers are < 4 KiB; 64 KiB is UDP's ceiling anyway. */
  maxBytes: 64 * 1024,
  /** Lines, counting blank ones before the last non-blank line. */
  maxLines: 1024,
  /** `m=` lines. Each costs a line in our answer, so this also bounds the answer. */
  maxMediaDescriptions: 64,
});

/** @see RFC 4566 §6 (`a=sendrecv` ...), RFC 3264 §5.1 (what each one means in an offer) */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** `o=` — identifies the session and its version. @see RFC 4566 §5.2 */
export interface SdpOrigin {
  username: string;
  /** Kept as text: real values (NTP times, random 64-bit numbers) exceed 2^53. */
  sessionId: string;
  /** Kept as text for the same reason; RFC 3264 §8 bumps it by one per change. */
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/** `c=` — where media goes. @see RFC 4566 §5.7 */
export interface SdpConnection {
  netType: string;
  /** `IP4`, `IP6`, or anything else (kept verbatim, never interpreted). */
  addrType: string;
  /** Unicast or multicast address, or an FQDN; without the `/ttl/n` suffixes. */
  address: string;
  /** IP4 multicast TTL (`224.2.1.1/127`). */
  ttl?: number;
  /** Number of consecutive multicast addresses (`224.2.1.1/127/3`, `ff15::101/3`). */
  numAddresses?: number;
}

/** `b=` @see RFC 4566 §5.8 */
export interface SdpBandwidth {
  type: string;
  value: number;
}

/** `t=` and the `r=` lines that follow it. @see RFC 4566 §5.9, §5.10 */
export interface SdpTiming {
  start: string;
  stop: string;
  repeats: string[];
}

/** Any attribute we do not interpret, kept verbatim so that it round-trips. @see RFC 4566 §5.13 */
export interface SdpAttribute {
  name: string;
  /** `null` for a property attribute (`a=rtcp-mux`), the text after the first `:` otherwise. */
  value: string | null;
}

/** `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]` @see RFC 4566 §6 */
export interface SdpRtpMap {
  payloadType: number;
  encodingName: string;
  clockRate: number;
  /** For audio, the number of channels (`opus/48000/2`). */
  encodingParameters?: string;
}

/** `a=fmtp:<format> <format specific parameters>` @see RFC 4566 §6 */
export interface SdpFmtp {
  format: string;
  parameters: string;
}

/** `a=rtcp:<port> [<nettype> <addrtype> <address>]` @see RFC 3605 §2.1 */
export interface SdpRtcp {
  port: number;
  netType?: string;
  addrType?: string;
  address?: string;
}

/** A line whose type we do not know, or a known type where it cannot be (kept verbatim). */
export interface SdpLine {
  type: string;
  value: string;
}

/** One `m=` section. @see RFC 4566 §5.14 */
export interface MediaDescription {
  /** `audio`, `video`, `application`... as written. */
  media: string;
  /** 0 means the stream is disabled/rejected (RFC 3264 §5.1, §6). */
  port: number;
  numPorts?: number;
  /** `RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`... as written. */
  proto: string;
  /** Payload types for RTP, in the offerer's order of preference (RFC 3264 §5.1). */
  formats: string[];
  information?: string;
  /** Several when multicast needs them (RFC 4566 §5.7); empty means "use the session's". */
  connections: SdpConnection[];
  bandwidths: SdpBandwidth[];
  encryptionKey?: string;
  rtpmaps: SdpRtpMap[];
  fmtps: SdpFmtp[];
  ptime?: number;
  maxptime?: number;
  direction?: MediaDirection;
  rtcp?: SdpRtcp;
  /** Every other attribute, in order. */
  attributes: SdpAttribute[];
  unknownLines: SdpLine[];
}

/** A parsed session description. @see RFC 4566 §5 */
export interface SessionDescription {
  version: 0;
  origin: SdpOrigin;
  /** `-` when the offer had no `s=` line (RFC 4566 §5.3 says to send `s=-` then). */
  sessionName: string;
  information?: string;
  uri?: string;
  emails: string[];
  phones: string[];
  /** Normally zero or one; more are tolerated. */
  connections: SdpConnection[];
  bandwidths: SdpBandwidth[];
  /** Never empty after parsing: a missing `t=` becomes `t=0 0` (a permanent session). */
  timings: SdpTiming[];
  timeZones?: string;
  encryptionKey?: string;
  /** Session-level default for media sections without their own direction (RFC 4566 §6). */
  direction?: MediaDirection;
  attributes: SdpAttribute[];
  unknownLines: SdpLine[];
  media: MediaDescription[];
}

const DIRECTIONS: ReadonlySet<string> = new Set<MediaDirection>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

const RTPMAP_RE = /^(\d{1,3})[ \t]+([^/\s]+)\/(\d{1,10})(?:\/(\S+))?$/;
const FMTP_RE = /^(\S+)[ \t]+(\S.*)$/;
/** Bounded digits keep `Number()` exact and its `String()` free of exponents. */
const PTIME_RE = /^\d{1,6}(?:\.\d{1,6})?$/;
const RTCP_RE = /^(\d{1,5})(?:[ \t]+(\S+)[ \t]+(\S+)[ \t]+(\S+))?$/;
const BANDWIDTH_RE = /^([^:\s]+):(\d{1,10})$/;
const TIMING_RE = /^(\d{1,20})[ \t]+(\d{1,20})$/;
const WS = /[ \t]+/;

function tokens(value: string): string[] {
  // Split on runs of blanks and drop the empty first token a leading blank leaves:
  // the grammar says one SP, real phones sometimes send two.
  return value.split(WS).filter((t) => t !== '');
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/**
 * `c=<nettype> <addrtype> <connection-address>`, where an IP4 multicast address
 * carries `/<ttl>[/<number of addresses>]` and an IP6 one `/<number of addresses>`.
 * @see RFC 4566 §5.7
 */
function parseConnection(value: string): Result<SdpConnection, string> {
  const parts = tokens(value);
  const [netType, addrType, rawAddress] = parts;
  if (parts.length !== 3 || netType === undefined || addrType === undefined || rawAddress === undefined) {
    return err(`c= needs "<nettype> <addrtype> <address>", got "${value}"`);
  }
  const kind = addrType.toUpperCase();
  if (kind !== 'IP4' && kind !== 'IP6') {
    // Unknown address types are legal SDP; we keep them and never route media to them.
    return ok({ netType, addrType, address: rawAddress });
  }
  const pieces = rawAddress.split('/');
  const address = pieces[0] ?? '';
  if (address === '') return err(`c= has an empty address: "${value}"`);
  const connection: SdpConnection = { netType, addrType, address };
  const suffixes = pieces.slice(1);
  if (kind === 'IP4') {
    if (suffixes.length > 2) return err(`c= has too many "/" parts: "${value}"`);
    const [ttl, count] = suffixes;
    if (ttl !== undefined) {
      if (!/^\d{1,3}$/.test(ttl) || Number(ttl) > 255) return err(`c= TTL must be 0..255: "${value}"`);
      connection.ttl = Number(ttl);
    }
    if (count !== undefined) {
      const n = parsePort(count);
      if (n === undefined || n < 1) return err(`c= address count must be 1..65535: "${value}"`);
      connection.numAddresses = n;
    }
  } else {
    if (suffixes.length > 1) return err(`c= IP6 takes no TTL, only "/<count>": "${value}"`);
    const [count] = suffixes;
    if (count !== undefined) {
      const n = parsePort(count);
      if (n === undefined || n < 1) return err(`c= address count must be 1..65535: "${value}"`);
      connection.numAddresses = n;
    }
  }
  return ok(connection);
}

/** `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` @see RFC 4566 §5.14 */
/** An m= section with no attributes yet. */
export function emptyMedia(media: string, port: number, proto: string, formats: string[]): MediaDescription {
  return { media, port, proto, formats, connections: [], bandwidths: [], rtpmaps: [], fmtps: [], attributes: [], unknownLines: [] };
}

function parseMediaLine(value: string): Result<MediaDescription, string> {
  const parts = tokens(value);
  const [media, portText, proto] = parts;
  if (media === undefined || portText === undefined || proto === undefined) {
    return err(`m= needs "<media> <port> <proto> <fmt>...", got "${value}"`);
  }
  const [portPart = '', countPart] = portText.split('/', 3);
  const port = parsePort(portPart);
  if (port === undefined) return err(`m= port must be 0..65535: "${value}"`);
  // RFC 4566 requires at least one format, but a rejected line from a sloppy peer may
  // carry none; the answer code copes with an empty list.
  const md = emptyMedia(media, port, proto, parts.slice(3));
  if (countPart !== undefined) {
    const n = parsePort(countPart);
    if (n === undefined || n < 1 || portText.split('/').length > 2) {
      return err(`m= number of ports must be 1..65535: "${value}"`);
    }
    md.numPorts = n;
  }
  return ok(md);
}

/**
 * Interprets one `a=` line into `target` (a media section, or the session for the
 * attributes that may appear there). Attributes we know but that are malformed are kept
 * verbatim like unknown ones: they are optional, and dropping the call over a bad
 * `a=ptime` would be worse than ignoring it.
 * @see RFC 4566 §5.13, §6; RFC 3605 §2.1 (`a=rtcp`)
 */
function applyAttribute(value: string, media: MediaDescription | undefined, session: SessionDescription): void {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  const arg = colon < 0 ? null : value.slice(colon + 1);
  const key = name.toLowerCase();
  const target = media ?? session;
  if (arg === null && DIRECTIONS.has(key)) {
    // Several direction attributes make no sense; the last one wins.
    target.direction = key as MediaDirection;
    return;
  }
  if (media !== undefined && arg !== null) {
    switch (key) {
      case 'rtpmap': {
        const m = RTPMAP_RE.exec(arg);
        const pt = m?.[1];
        const enc = m?.[2];
        const rate = m?.[3];
        if (pt !== undefined && enc !== undefined && rate !== undefined && Number(pt) <= 127) {
          const rtpmap: SdpRtpMap = { payloadType: Number(pt), encodingName: enc, clockRate: Number(rate) };
          if (m?.[4] !== undefined) rtpmap.encodingParameters = m[4];
          media.rtpmaps.push(rtpmap);
          return;
        }
        break;
      }
      case 'fmtp': {
        const m = FMTP_RE.exec(arg);
        if (m?.[1] !== undefined && m[2] !== undefined) {
          media.fmtps.push({ format: m[1], parameters: m[2] });
          return;
        }
        break;
      }
      case 'ptime':
      case 'maxptime':
        if (PTIME_RE.test(arg)) {
          media[key] = Number(arg);
          return;
        }
        break;
      case 'rtcp': {
        const m = RTCP_RE.exec(arg);
        const port = m?.[1] === undefined ? undefined : parsePort(m[1]);
        if (m !== null && port !== undefined) {
          const rtcp: SdpRtcp = { port };
          if (m[2] !== undefined && m[3] !== undefined && m[4] !== undefined) {
            rtcp.netType = m[2];
            rtcp.addrType = m[3];
            rtcp.address = m[4];
          }
          media.rtcp = rtcp;
          return;
        }
        break;
      }
      default:
        break;
    }
  }
  target.attributes.push({ name, value: arg });
}

/**
 * Parses a session description from the body of a SIP message.
 *
 * Accepts CRLF or bare LF line ends, trailing blanks, blank lines, a UTF-8 BOM,
 * unknown line types (kept in `unknownLines`; RFC 4566 §5 says to ignore the whole
 * description, but phones in the field send vendor lines and dropping their calls helps
 * no one), unknown attributes (kept in `attributes`), and a missing `s=` or `t=`
 * (filled with `-` and `0 0`). Rejects: over {@link SDP_LIMITS}; a first line other
 * than `v=0`; a missing, duplicate or malformed `o=`; a malformed `c=` or `m=`; a line
 * not of the form `<letter>=<value>`; NUL or a bare CR inside a line (they would let a
 * value smuggle a line break into what we serialize).
 *
 * Never throws, whatever the input.
 *
 * @see RFC 4566 §5 (syntax), §5.14 (media descriptions), §6 (attributes)
 */
export function parseSdp(text: string | Buffer): Result<SessionDescription, string> {
  try {
    return parseUnchecked(text);
  } catch (e) {
    // Unreachable by design (the property tests hunt for it); kept so that a bug here
    // costs one call a 400, not the process.
    return err(`internal SDP parser error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseUnchecked(input: string | Buffer): Result<SessionDescription, string> {
  let text: string;
  if (typeof input === 'string') {
    // A UTF-16 code unit is at least one UTF-8 octet, so the cheap check comes first.
    if (input.length > SDP_LIMITS.maxBytes || Buffer.byteLength(input, 'utf8') > SDP_LIMITS.maxBytes) {
      return err(`SDP larger than ${SDP_LIMITS.maxBytes} octets`);
    }
    text = input;
  } else if (Buffer.isBuffer(input)) {
    if (input.length > SDP_LIMITS.maxBytes) return err(`SDP larger than ${SDP_LIMITS.maxBytes} octets`);
    // RFC 4566 §5: text is UTF-8 unless a=charset says otherwise; bad octets become U+FFFD.
    text = input.toString('utf8');
  } else {
    return err('SDP must be a string or a Buffer');
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);

  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && (lines[last] ?? '').trim() === '') last--;
  if (last < 0) return err('empty SDP');
  if (last + 1 > SDP_LIMITS.maxLines) return err(`SDP has more than ${SDP_LIMITS.maxLines} lines`);

  let session: SessionDescription | undefined;
  let media: MediaDescription | undefined;
  let sawOrigin = false;
  let sawName = false;

  for (let i = 0; i <= last; i++) {
    const lineNo = i + 1;
    // trimEnd drops the CR of CRLF and the trailing blanks some phones add.
    const line = (lines[i] ?? '').trimEnd();
    if (line === '') continue;
    if (line.includes('\r') || line.includes('\0')) return err(`line ${lineNo}: CR or NUL inside a line`);
    if (line.length < 2 || line[1] !== '=' || !/^[A-Za-z]$/.test(line[0] ?? '')) {
      return err(`line ${lineNo}: expected "<type>=<value>", got "${preview(line)}"`);
    }
    const type = line[0] ?? '';
    const value = line.slice(2);

    if (session === undefined) {
      if (type !== 'v') return err(`line ${lineNo}: SDP must start with "v=0"`);
      if (value.trim() !== '0') return err(`line ${lineNo}: unsupported SDP version "${preview(value)}"`);
      session = {
        version: 0,
        origin: { username: '', sessionId: '', sessionVersion: '', netType: '', addrType: '', address: '' },
        sessionName: '-',
        emails: [],
        phones: [],
        connections: [],
        bandwidths: [],
        timings: [],
        attributes: [],
        unknownLines: [],
        media: [],
      };
      continue;
    }

    if (type === 'v') return err(`line ${lineNo}: second "v=" line`);
    if (type === 'o') {
      if (sawOrigin) return err(`line ${lineNo}: second "o=" line`);
      if (media !== undefined) return err(`line ${lineNo}: "o=" inside a media description`);
      const parts = tokens(value);
      if (parts.length < 6) return err(`line ${lineNo}: o= needs 6 fields, got "${preview(value)}"`);
      // Some phones put blanks in the username; the last five fields are unambiguous.
      const tail = parts.slice(-5);
      session.origin = {
        username: parts.slice(0, -5).join(' '),
        sessionId: tail[0] ?? '',
        sessionVersion: tail[1] ?? '',
        netType: tail[2] ?? '',
        addrType: tail[3] ?? '',
        address: tail[4] ?? '',
      };
      sawOrigin = true;
      continue;
    }
    if (type === 'm') {
      if (session.media.length >= SDP_LIMITS.maxMediaDescriptions) {
        return err(`SDP has more than ${SDP_LIMITS.maxMediaDescriptions} m= lines`);
      }
      const parsed = parseMediaLine(value);
      if (!parsed.ok) return err(`line ${lineNo}: ${parsed.error}`);
      media = parsed.value;
      session.media.push(media);
      continue;
    }
    if (type === 'c') {
      const parsed = parseConnection(value);
      if (!parsed.ok) return err(`line ${lineNo}: ${parsed.error}`);
      (media ?? session).connections.push(parsed.value);
      continue;
    }
    if (type === 'a') {
      applyAttribute(value, media, session);
      continue;
    }

    if (media !== undefined) {
      if (type === 'b') {
        const bw = parseBandwidth(value);
        if (bw !== undefined) {
          media.bandwidths.push(bw);
          continue;
        }
      } else if (type === 'i' && media.information === undefined) {
        media.information = value;
        continue;
      } else if (type === 'k' && media.encryptionKey === undefined) {
        media.encryptionKey = value;
        continue;
      }
      // Unknown letters, session-only letters and duplicates stay with their section.
      media.unknownLines.push({ type, value });
      continue;
    }

    switch (type) {
      case 's':
        if (!sawName) {
          session.sessionName = value;
          sawName = true;
          continue;
        }
        break;
      case 'i':
        if (session.information === undefined) {
          session.information = value;
          continue;
        }
        break;
      case 'u':
        if (session.uri === undefined) {
          session.uri = value;
          continue;
        }
        break;
      case 'e':
        session.emails.push(value);
        continue;
      case 'p':
        session.phones.push(value);
        continue;
      case 'b': {
        const bw = parseBandwidth(value);
        if (bw !== undefined) {
          session.bandwidths.push(bw);
          continue;
        }
        break;
      }
      case 't': {
        const m = TIMING_RE.exec(value.trim());
        if (m?.[1] !== undefined && m[2] !== undefined) {
          session.timings.push({ start: m[1], stop: m[2], repeats: [] });
          continue;
        }
        break;
      }
      case 'r': {
        const timing = session.timings.at(-1);
        // An r= belongs to the t= before it; without one it has no meaning, and keeping
        // it as an unknown line would re-attach it to a t= when re-parsed.
        if (timing === undefined) return err(`line ${lineNo}: "r=" before any "t="`);
        timing.repeats.push(value);
        continue;
      }
      case 'z':
        if (session.timeZones === undefined) {
          session.timeZones = value;
          continue;
        }
        break;
      case 'k':
        if (session.encryptionKey === undefined) {
          session.encryptionKey = value;
          continue;
        }
        break;
      default:
        break;
    }
    // Unknown letters, duplicates and malformed optional lines, kept verbatim.
    session.unknownLines.push({ type, value });
  }

  if (session === undefined) return err('empty SDP');
  if (!sawOrigin) return err('SDP has no "o=" line');
  if (session.timings.length === 0) session.timings.push({ start: '0', stop: '0', repeats: [] });
  return ok(session);
}

function parseBandwidth(value: string): SdpBandwidth | undefined {
  const m = BANDWIDTH_RE.exec(value.trim());
  if (m?.[1] === undefined || m[2] === undefined) return undefined;
  return { type: m[1], value: Number(m[2]) };
}

/** A line quoted in an error message is cut short: errors end up in logs. */
function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function connectionText(c: SdpConnection): string {
  let address = c.address;
  if (c.ttl !== undefined) address += `/${c.ttl}`;
  if (c.numAddresses !== undefined) address += `/${c.numAddresses}`;
  return `${c.netType} ${c.addrType} ${address}`;
}

function attributeText(a: SdpAttribute): string {
  return a.value === null ? a.name : `${a.name}:${a.value}`;
}

/**
 * Writes a session description as SDP text, CRLF after every line, in the order of
 * RFC 4566 §5. Interpreted attributes come first in a fixed order (`rtpmap`, `fmtp`,
 * `ptime`, `maxptime`, `rtcp`, direction), then the others in their original order,
 * then unknown lines; so `parseSdp(serializeSdp(x))` equals `x` for any parsed `x`,
 * though the text may differ from what the peer sent. CR, LF and NUL inside values are
 * removed so that a value built in code cannot inject a line.
 * @see RFC 4566 §5
 */
export function serializeSdp(sd: SessionDescription): string {
  const out: string[] = [];
  const line = (type: string, value: string): void => {
    out.push(`${type}=${value.replace(/[\r\n\0]/g, '')}`);
  };
  const o = sd.origin;
  line('v', '0');
  line('o', `${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`);
  line('s', sd.sessionName);
  if (sd.information !== undefined) line('i', sd.information);
  if (sd.uri !== undefined) line('u', sd.uri);
  for (const e of sd.emails) line('e', e);
  for (const p of sd.phones) line('p', p);
  for (const c of sd.connections) line('c', connectionText(c));
  for (const b of sd.bandwidths) line('b', `${b.type}:${b.value}`);
  const timings = sd.timings.length > 0 ? sd.timings : [{ start: '0', stop: '0', repeats: [] }];
  for (const t of timings) {
    line('t', `${t.start} ${t.stop}`);
    for (const r of t.repeats) line('r', r);
  }
  if (sd.timeZones !== undefined) line('z', sd.timeZones);
  if (sd.encryptionKey !== undefined) line('k', sd.encryptionKey);
  if (sd.direction !== undefined) line('a', sd.direction);
  for (const a of sd.attributes) line('a', attributeText(a));
  // Unknown lines go last in their section: placed earlier, a duplicate `s=` or `i=`
  // would be read back as the first one.
  for (const u of sd.unknownLines) line(u.type, u.value);

  for (const m of sd.media) {
    const port = m.numPorts === undefined ? `${m.port}` : `${m.port}/${m.numPorts}`;
    line('m', [m.media, port, m.proto, ...m.formats].join(' '));
    if (m.information !== undefined) line('i', m.information);
    for (const c of m.connections) line('c', connectionText(c));
    for (const b of m.bandwidths) line('b', `${b.type}:${b.value}`);
    if (m.encryptionKey !== undefined) line('k', m.encryptionKey);
    for (const r of m.rtpmaps) {
      const params = r.encodingParameters === undefined ? '' : `/${r.encodingParameters}`;
      line('a', `rtpmap:${r.payloadType} ${r.encodingName}/${r.clockRate}${params}`);
    }
    for (const f of m.fmtps) line('a', `fmtp:${f.format} ${f.parameters}`);
    if (m.ptime !== undefined) line('a', `ptime:${m.ptime}`);
    if (m.maxptime !== undefined) line('a', `maxptime:${m.maxptime}`);
    if (m.rtcp !== undefined) {
      const r = m.rtcp;
      const where = r.address === undefined ? '' : ` ${r.netType ?? 'IN'} ${r.addrType ?? 'IP4'} ${r.address}`;
      line('a', `rtcp:${r.port}${where}`);
    }
    if (m.direction !== undefined) line('a', m.direction);
    for (const a of m.attributes) line('a', attributeText(a));
    for (const u of m.unknownLines) line(u.type, u.value);
  }
  return `${out.join('\r\n')}\r\n`;
}
