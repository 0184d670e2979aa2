/**
 * The 61 RFC 4475/5118 torture messages with the verdicts of
 * ../shared/testdata/sip-torture/README.md, and what our UAS answers to each over UDP.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const TORTURE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/testdata/sip-torture');

export interface TortureCase {
  /** Path relative to TORTURE_DIR. */
  readonly file: string;
  readonly rfc: string;
  /** The README's verdict: must the parser accept it? */
  readonly parse: 'accept' | 'reject';
  /**
   * What the running server sends back over UDP: a status code, or 'none' (a response
   * is silently discarded, or a request too broken to answer is dropped).
   * A rejected request may get 400 or be dropped: `[400, 'none']`.
   */
  readonly reply: readonly (number | 'none')[];
  readonly why: string;
}

const c = (file: string, rfc: string, parse: 'accept' | 'reject', reply: readonly (number | 'none')[], why: string): TortureCase => ({ file, rfc, parse, reply, why });

export const TORTURE_CASES: readonly TortureCase[] = [
  // RFC 4475 §3.1.1 valid messages
  c('rfc4475/wsinv.dat', '3.1.1.1', 'accept', [481], 'its To has a tag, and no such dialog exists (§12.2.2)'),
  c('rfc4475/intmeth.dat', '3.1.1.2', 'accept', [501], 'unknown method: 501 Not Implemented (§8.2.1)'),
  c('rfc4475/esc01.dat', '3.1.1.3', 'accept', [404], 'INVITE to an unknown user'),
  c('rfc4475/escnull.dat', '3.1.1.4', 'accept', [405], 'REGISTER is recognised, not served'),
  c('rfc4475/esc02.dat', '3.1.1.5', 'accept', [501], 'RE%47IST%45R is a method token we do not know'),
  c('rfc4475/lwsdisp.dat', '3.1.1.6', 'accept', [200], 'OPTIONS'),
  c('rfc4475/longreq.dat', '3.1.1.7', 'accept', [404], 'INVITE to an unknown user'),
  c('rfc4475/dblreq.dat', '3.1.1.8', 'accept', [405], 'REGISTER; trailing octets ignored'),
  c('rfc4475/semiuri.dat', '3.1.1.9', 'accept', [200], 'OPTIONS'),
  c('rfc4475/transports.dat', '3.1.1.10', 'accept', [200], 'OPTIONS'),
  c('rfc4475/mpart01.dat', '3.1.1.11', 'accept', [405], 'MESSAGE is recognised, not served'),
  c('rfc4475/unreason.dat', '3.1.1.12', 'accept', ['none'], 'a response matching no transaction is discarded'),
  c('rfc4475/noreason.dat', '3.1.1.13', 'accept', ['none'], 'a response matching no transaction is discarded'),
  // RFC 4475 §3.1.2 invalid messages
  c('rfc4475/badinv01.dat', '3.1.2.1', 'reject', [400, 'none'], 'extraneous separators in Via'),
  c('rfc4475/clerr.dat', '3.1.2.2', 'reject', [400], 'Content-Length larger than the datagram'),
  c('rfc4475/ncl.dat', '3.1.2.3', 'reject', [400], 'negative Content-Length'),
  c('rfc4475/scalar02.dat', '3.1.2.4', 'reject', [400], 'overlarge CSeq and Max-Forwards'),
  c('rfc4475/scalarlg.dat', '3.1.2.5', 'reject', ['none'], 'a response with overlarge values is discarded'),
  c('rfc4475/quotbal.dat', '3.1.2.6', 'reject', [400], 'unterminated quoted string'),
  c('rfc4475/ltgtruri.dat', '3.1.2.7', 'reject', [400], '<> around the Request-URI'),
  c('rfc4475/lwsruri.dat', '3.1.2.8', 'reject', [400], 'LWS inside the Request-URI'),
  c('rfc4475/lwsstart.dat', '3.1.2.9', 'reject', [400], 'several SP in the Request-Line'),
  c('rfc4475/trws.dat', '3.1.2.10', 'reject', [400], 'SP at the end of the Request-Line'),
  c('rfc4475/escruri.dat', '3.1.2.11', 'reject', [400], 'headers in the Request-URI'),
  c('rfc4475/baddate.dat', '3.1.2.12', 'reject', [400], 'Date not in GMT'),
  c('rfc4475/regbadct.dat', '3.1.2.13', 'reject', [400], 'URI with ? not in <>'),
  c('rfc4475/badaspec.dat', '3.1.2.14', 'reject', [400], 'spaces inside <addr-spec>'),
  c('rfc4475/baddn.dat', '3.1.2.15', 'reject', [400], 'non-token characters in an unquoted display name'),
  c('rfc4475/badvers.dat', '3.1.2.16', 'reject', [505], 'SIP/7.0: 505 Version Not Supported'),
  c('rfc4475/mismatch01.dat', '3.1.2.17', 'reject', [400], 'CSeq method differs from the method'),
  c('rfc4475/mismatch02.dat', '3.1.2.18', 'reject', [400], 'CSeq method differs from an unknown method'),
  c('rfc4475/bigcode.dat', '3.1.2.19', 'reject', ['none'], 'a response with a huge status code is discarded'),
  // RFC 4475 §3.2–3.4 semantic tests
  c('rfc4475/badbranch.dat', '3.2.1', 'accept', [200], 'bare magic cookie branch: RFC 2543 matching'),
  c('rfc4475/insuf.dat', '3.3.1', 'reject', [400], 'missing To, From, Call-ID, Max-Forwards'),
  c('rfc4475/unkscm.dat', '3.3.2', 'accept', [416], 'unknown Request-URI scheme'),
  c('rfc4475/novelsc.dat', '3.3.3', 'accept', [416], 'soap.beep is not a scheme we serve'),
  c('rfc4475/unksm2.dat', '3.3.4', 'accept', [405], 'REGISTER with exotic schemes in headers: processed normally'),
  c('rfc4475/bext01.dat', '3.3.5', 'accept', [420], 'Require we do not support; Proxy-Require ignored'),
  c('rfc4475/invut.dat', '3.3.6', 'accept', [415], 'unknown Content-Type'),
  c('rfc4475/regaut01.dat', '3.3.7', 'accept', [401], 'unknown Authorization scheme: challenge with Digest'),
  c('rfc4475/multi01.dat', '3.3.8', 'reject', [400], 'several values in single-value headers'),
  c('rfc4475/mcl01.dat', '3.3.9', 'reject', [400], 'several Content-Length values'),
  c('rfc4475/bcast.dat', '3.3.10', 'accept', ['none'], 'a stray 200: discarded, nothing sent to the broadcast Via'),
  c('rfc4475/zeromf.dat', '3.3.11', 'accept', [200], 'Max-Forwards 0 at an endpoint: answered normally'),
  c('rfc4475/cparam01.dat', '3.3.12', 'accept', [405], 'REGISTER'),
  c('rfc4475/cparam02.dat', '3.3.13', 'accept', [405], 'REGISTER'),
  c('rfc4475/regescrt.dat', '3.3.14', 'accept', [405], 'REGISTER'),
  c('rfc4475/sdp01.dat', '3.3.15', 'accept', [406], 'Accept rules out SDP'),
  c('rfc4475/inv2543.dat', '3.4.1', 'accept', [404], 'RFC 2543 INVITE to an unknown user'),
  // RFC 5118, as sent on the wire (CRLF, correct Content-Length)
  c('rfc5118-wire/ipv6-good.dat', '4.1', 'accept', [405], 'REGISTER'),
  c('rfc5118-wire/ipv6-bad.dat', '4.2', 'reject', [400], 'IPv6 without brackets in the Request-URI'),
  c('rfc5118-wire/port-ambiguous.dat', '4.3', 'accept', [405], 'REGISTER'),
  c('rfc5118-wire/port-unambiguous.dat', '4.4', 'accept', [405], 'REGISTER'),
  c('rfc5118-wire/via-received-param-with-delim.dat', '4.5', 'accept', [481], 'BYE outside any dialog'),
  c('rfc5118-wire/via-received-param-no-delim.dat', '4.5', 'accept', [200], 'OPTIONS'),
  c('rfc5118-wire/ipv6-in-sdp.dat', '4.6', 'accept', [404], 'INVITE to an unknown user'),
  c('rfc5118-wire/mult-ip-in-header.dat', '4.7', 'accept', [481], 'BYE outside any dialog'),
  c('rfc5118-wire/mult-ip-in-sdp.dat', '4.8', 'accept', [404], 'INVITE to an unknown user'),
  c('rfc5118-wire/ipv4-mapped-ipv6.dat', '4.9', 'accept', [404], 'INVITE to an unknown user'),
  c('rfc5118-wire/ipv6-bug-abnf-3-colons.dat', '4.10', 'accept', [200], 'OPTIONS; tolerated form'),
  c('rfc5118-wire/ipv6-correct-abnf-2-colons.dat', '4.10', 'accept', [200], 'OPTIONS'),
];
