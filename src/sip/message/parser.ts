import { err, ok, type Result } from '../../shared/result.js';
import { DIGIT, TOKEN, allIn, isWsp, parseBoundedInt, trimWs } from './charset.js';
import { SINGLE_VALUED, displayName, headerKey } from './header-names.js';
import { SipHeaders } from './headers.js';
import { parseNameAddr, type NameAddr } from './name-addr.js';
import { splitList } from './params.js';
import type { CSeq, SipMessage, SipParseError, SipRequest, SipResponse } from './types.js';
import { parseUri } from './uri.js';
import { parseVia, type Via } from './via.js';

/** Limits the parser enforces (a subset of SipLimits). */
export interface ParseLimits {
  readonly maxMessageBytes: number;
  readonly maxHeaders: number;
  readonly maxLineBytes: number;
}

export interface ParseOptions {
  readonly limits: ParseLimits;
  /**
   * Datagram rules (RFC 3261 §18.3): the message ends with the datagram, Content-Length
   * may be absent, octets beyond it are ignored. On a stream, Content-Length is
   * mandatory and the framer has already cut the message to size.
   */
  readonly datagram: boolean;
}

const CSEQ_MAX = 0x7fffffff;
const DATE_RE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Find where the header section ends: the empty line after it. Accepts CRLF CRLF and,
 * for tolerance of bare-LF peers (the RFC 5118 archive form), LF LF.
 * @returns [end of header text, start of body] or null
 */
export function findHeaderEnd(buf: Buffer, from = 0, to = buf.length): [number, number] | null {
  let i = buf.indexOf(0x0a, from);
  while (i >= 0 && i < to) {
    // i is at an LF; an empty line follows if the next line is "\r\n" or "\n".
    const n = buf[i + 1];
    if (n === 0x0a) return [i + 1, i + 2];
    if (n === 0x0d && buf[i + 2] === 0x0a) return [i + 1, i + 3];
    i = buf.indexOf(0x0a, i + 1);
  }
  return null;
}

/** Octets that may precede a start line and are skipped: CRLF keep-alives (RFC 5626 §3.5.1). */
export function skipLeadingCrlf(buf: Buffer, from = 0): number {
  let i = from;
  while (i < buf.length && (buf[i] === 0x0d || buf[i] === 0x0a)) i++;
  return i;
}

function fail(reason: string, status: SipParseError['status'], headers: SipHeaders | null): { ok: false; error: SipParseError } {
  return err({ reason, status, headers });
}

/**
 * Parse one SIP message from bytes. Never throws; a refused message comes back as an
 * error value that says which response (if any) a UAS should send.
 *
 * The header section is decoded as latin1, so each char is one wire byte: non-ASCII
 * text (UTF-8 display names, reason phrases) is carried byte-exact, and the body is a
 * zero-copy view of the input.
 * @see RFC 3261 §7 (message format), §18.3 (framing), §25 (grammar)
 */
export function parseMessage(buf: Buffer, options: ParseOptions): Result<SipMessage, SipParseError> {
  const { limits } = options;
  if (buf.length > limits.maxMessageBytes) return fail('message exceeds the size limit', 513, null);
  const start = skipLeadingCrlf(buf);
  if (start >= buf.length) return fail('empty message', 0, null);

  const he = findHeaderEnd(buf, start);
  let headEnd: number;
  let bodyStart: number;
  if (he) [headEnd, bodyStart] = he;
  else if (options.datagram) {
    // Tolerate a datagram whose header section is not closed by an empty line.
    headEnd = buf.length;
    bodyStart = buf.length;
  } else return fail('header section is not terminated', 0, null);

  const text = buf.toString('latin1', start, headEnd);
  const lines = text.split('\n');
  let nLines = lines.length;
  while (nLines > 0 && (lines[nLines - 1] === '' || lines[nLines - 1] === '\r')) nLines--;
  if (nLines > limits.maxHeaders + 1) return fail('too many header fields', 400, null);

  const startLine = stripCr(lines[0]!);
  if (startLine.length > limits.maxLineBytes) return fail('start line too long', 400, null);

  // Header fields, with line folding (a line starting with SP/HTAB continues the last).
  const headers = new SipHeaders();
  let name = '';
  let key = '';
  let value = '';
  let have = false;
  for (let li = 1; li < nLines; li++) {
    const line = stripCr(lines[li]!);
    if (line.length > 0 && isWsp(line.charCodeAt(0))) {
      if (!have) return fail('continuation line before any header', 400, null);
      value += ' ' + trimWs(line);
      if (value.length > limits.maxLineBytes) return fail('header line too long', 400, headers);
      continue;
    }
    if (have) headers.appendRaw(key, displayName(key, name), trimWs(value));
    const colon = line.indexOf(':');
    if (colon <= 0) return fail('header line without a name and ":"', 400, headers);
    name = trimWs(line.slice(0, colon));
    if (!allIn(TOKEN, name)) return fail(`header name "${name}" is not a token`, 400, headers);
    key = headerKey(name);
    value = line.slice(colon + 1);
    if (value.length > limits.maxLineBytes) return fail('header line too long', 400, headers);
    have = true;
  }
  if (have) headers.appendRaw(key, displayName(key, name), trimWs(value));

  // Content-Length frames the body (§18.3, §20.14).
  const clValues = headers.getAll('content-length');
  if (clValues.length > 1) return fail('more than one Content-Length', 400, headers);
  let body: Buffer;
  const available = buf.length - bodyStart;
  if (clValues.length === 1) {
    const cl = parseBoundedInt(clValues[0]!, limits.maxMessageBytes);
    if (cl === null) return fail('Content-Length is not a valid number', 400, headers);
    if (cl > available) return fail('Content-Length is larger than the message', 400, headers);
    body = buf.subarray(bodyStart, bodyStart + cl);
  } else if (options.datagram) {
    body = buf.subarray(bodyStart);
  } else {
    return fail('Content-Length is required on a stream transport', 400, headers);
  }

  if (startLine.startsWith('SIP/')) return parseResponse(startLine, headers, body);
  return parseRequest(startLine, headers, body);
}

function stripCr(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === 0x0d ? s.slice(0, -1) : s;
}

function parseRequest(line: string, headers: SipHeaders, body: Buffer): Result<SipMessage, SipParseError> {
  // Request-Line = Method SP Request-URI SP SIP-Version: exactly single spaces (§7.1).
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
    return fail('Request-Line is not "METHOD SP URI SP SIP/2.0"', 400, headers);
  }
  const method = line.slice(0, sp1);
  const uriText = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!allIn(TOKEN, method)) return fail('method is not a token', 400, headers);
  if (version !== 'SIP/2.0') {
    if (/^SIP\/\d+\.\d+$/i.test(version)) return fail(`unsupported version ${version}`, 505, headers);
    return fail('Request-Line version is not valid', 400, headers);
  }
  for (let i = 0; i < uriText.length; i++) {
    if (uriText.charCodeAt(i) <= 0x20 || uriText.charCodeAt(i) >= 0x7f) return fail('Request-URI holds an invalid character', 400, headers);
  }
  const uri = parseUri(uriText);
  if (!uri.ok) return fail(`Request-URI: ${uri.error}`, 400, headers);
  if (uri.value.kind === 'sip' && uri.value.headers !== null) {
    return fail('Request-URI must not carry headers (RFC 3261 §19.1.5)', 400, headers);
  }

  const common = parseCommon(headers, true);
  if (!common.ok) return common;
  if (common.value.cseq.method !== method) return fail('CSeq method does not match the request method', 400, headers);

  let maxForwards: number | null = null;
  const mf = headers.get('max-forwards');
  if (mf !== undefined) {
    maxForwards = parseBoundedInt(mf, 255);
    if (maxForwards === null) return fail('Max-Forwards is not a number 0–255', 400, headers);
  }
  const req: SipRequest = { kind: 'request', method, uri: uri.value, maxForwards, body, ...common.value };
  return ok(req);
}

function parseResponse(line: string, headers: SipHeaders, body: Buffer): Result<SipMessage, SipParseError> {
  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (the phrase may be empty).
  const sp1 = line.indexOf(' ');
  if (sp1 < 0 || line.slice(0, sp1) !== 'SIP/2.0') return fail('Status-Line version is not SIP/2.0', 0, headers);
  const sp2 = line.indexOf(' ', sp1 + 1);
  const codeText = sp2 < 0 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2);
  if (codeText.length !== 3 || !allIn(DIGIT, codeText)) return fail('status code is not three digits', 0, headers);
  const status = Number(codeText);
  if (status < 100 || status > 699) return fail('status code out of range', 0, headers);
  const common = parseCommon(headers, false);
  if (!common.ok) return fail(common.error.reason, 0, headers);
  const res: SipResponse = { kind: 'response', status, reason: sp2 < 0 ? '' : line.slice(sp2 + 1), body, ...common.value };
  return ok(res);
}

interface Common {
  via: Via[];
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: CSeq;
  contentType: string | null;
  headers: SipHeaders;
}

/**
 * The headers every message must carry (§8.1.1), parsed strictly, plus checks on the
 * others we rely on: Contact, Route, Record-Route, Date.
 */
function parseCommon(headers: SipHeaders, isRequest: boolean): Result<Common, SipParseError> {
  const status = isRequest ? 400 : 0;
  const repeated = headers.firstRepeated(SINGLE_VALUED);
  if (repeated !== null) return fail(`more than one ${displayName(repeated, repeated)} header`, status, headers);
  const viaFields = headers.getAll('via');
  if (viaFields.length === 0) return fail('missing Via', 0, headers);
  const via: Via[] = [];
  for (const field of viaFields) {
    const parts = splitList(field);
    if (!parts.ok) return fail(`Via: ${parts.error}`, status, headers);
    for (const p of parts.value) {
      const v = parseVia(p);
      if (!v.ok) return fail(v.error, status, headers);
      via.push(v.value);
    }
  }

  const fromText = headers.get('from');
  const toText = headers.get('to');
  const callIdText = headers.get('call-id');
  const cseqText = headers.get('cseq');
  if (fromText === undefined || toText === undefined || callIdText === undefined || cseqText === undefined) {
    return fail('missing one of From, To, Call-ID, CSeq', status, headers);
  }
  const from = parseNameAddr(fromText);
  if (!from.ok) return fail(`From: ${from.error}`, status, headers);
  const to = parseNameAddr(toText);
  if (!to.ok) return fail(`To: ${to.error}`, status, headers);
  if (callIdText.length === 0 || /[\s]/.test(callIdText)) return fail('Call-ID is empty or holds whitespace', status, headers);

  const cseq = parseCSeq(cseqText);
  if (!cseq) return fail('CSeq is not "number method" with number < 2^31', status, headers);

  for (const k of ['contact', 'route', 'record-route']) {
    for (const field of headers.getAll(k)) {
      if (k === 'contact' && field === '*') continue;
      const parts = splitList(field);
      if (!parts.ok) return fail(`${k}: ${parts.error}`, status, headers);
      for (const p of parts.value) {
        const na = parseNameAddr(p);
        if (!na.ok) return fail(`${displayName(k, k)}: ${na.error}`, status, headers);
      }
    }
  }
  const date = headers.get('date');
  if (date !== undefined && !DATE_RE.test(date)) return fail('Date is not an RFC 1123 date in GMT', status, headers);

  const ct = headers.get('content-type');
  let contentType: string | null = null;
  if (ct !== undefined) {
    const semi = ct.indexOf(';');
    contentType = trimWs(semi < 0 ? ct : ct.slice(0, semi)).toLowerCase();
    const slash = contentType.indexOf('/');
    if (slash <= 0 || !allIn(TOKEN, contentType, 0, slash) || !allIn(TOKEN, contentType, slash + 1)) {
      return fail('Content-Type is not type/subtype', status, headers);
    }
  }
  return ok({ via, from: from.value, to: to.value, callId: callIdText, cseq, contentType, headers });
}

/** CSeq = 1*DIGIT LWS Method (§20.16). */
export function parseCSeq(s: string): CSeq | null {
  let i = 0;
  while (i < s.length && DIGIT[s.charCodeAt(i)] === 1) i++;
  const seq = parseBoundedInt(s.slice(0, i), CSEQ_MAX);
  if (seq === null || i === s.length || !isWsp(s.charCodeAt(i))) return null;
  const method = trimWs(s.slice(i));
  if (!allIn(TOKEN, method)) return null;
  return { seq, method };
}
