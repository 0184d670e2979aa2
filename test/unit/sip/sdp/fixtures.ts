/**
 * SDP bodies as real user agents send them, and access to the SDP bodies of the
 * RFC 4475 / RFC 5118 torture messages. Shared by the SDP unit tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LocalMediaCapabilities } from '../../../../src/sip/sdp/index.js';

const crlf = (...lines: string[]): string => `${lines.join('\r\n')}\r\n`;
const lf = (...lines: string[]): string => `${lines.join('\n')}\n`;

/** SIPp's uac_pcap-style offer: PCMU + telephone-event, LF only (as in a scenario file). */
export const SIPP = lf(
  'v=0',
  'o=sipp 53655765 2353687637 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 6000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
);

/** baresip 3.x: opus and G.722 before G.711, extra attributes. */
export const BARESIP = crlf(
  'v=0',
  'o=- 1473629148 3426413399 IN IP4 10.0.0.5',
  's=-',
  'c=IN IP4 10.0.0.5',
  't=0 0',
  'a=tool:baresip 3.10.1',
  'm=audio 36604 RTP/AVP 96 9 0 8 101',
  'b=AS:64',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 stereo=1;sprop-stereo=1;maxaveragebitrate=28000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=rtcp-rsize',
  'a=ssrc:1692287364 cname:2e4e9f8f-0f6c-4b5c-b1f9-b0fb8cfd9f6a',
  'a=ptime:20',
);

/** Asterisk (chan_pjsip): PCMA first, events 0-16, maxptime. */
export const ASTERISK = crlf(
  'v=0',
  'o=- 1762003452 1762003452 IN IP4 203.0.113.7',
  's=Asterisk',
  'c=IN IP4 203.0.113.7',
  't=0 0',
  'm=audio 17434 RTP/AVP 8 0 3 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:3 GSM/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=sendrecv',
);

/** Linphone: three telephone-event rates, a=rtcp, and a video stream. */
export const LINPHONE = crlf(
  'v=0',
  'o=alice 2463 1839 IN IP4 192.168.1.20',
  's=Talk',
  'c=IN IP4 192.168.1.20',
  't=0 0',
  'a=ice-pwd:31ec21eb38b2ec6d36e8dc7b',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'a=record:off',
  'm=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 speex/16000',
  'a=fmtp:97 vbr=on',
  'a=rtpmap:98 speex/8000',
  'a=fmtp:98 vbr=on',
  'a=fmtp:18 annexb=yes',
  'a=rtpmap:101 telephone-event/48000',
  'a=rtpmap:99 telephone-event/16000',
  'a=rtpmap:100 telephone-event/8000',
  'a=rtcp:7079',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
  'm=video 9078 RTP/AVP 96 97',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 H264/90000',
  'a=fmtp:97 profile-level-id=42801F',
  'a=rtcp-fb:* ccm fir',
);

/** Cisco CP-79xx / CUCM style: media-level c=, b=TIAS, blanks at line ends. */
export const CISCO = crlf(
  'v=0',
  'o=Cisco-SIPUA 27443 0 IN IP4 10.10.10.21',
  's=SIP Call ',
  'b=AS:4064',
  't=0 0',
  'm=audio 25478 RTP/AVP 0 8 18 9 116 101 ',
  'c=IN IP4 10.10.10.21',
  'b=TIAS:64000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:116 iLBC/8000',
  'a=fmtp:116 mode=20',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv  ',
);

/** Polycom VVX: session-level direction, telephone-event without fmtp. */
export const POLYCOM = crlf(
  'v=0',
  'o=- 1700000000 1700000000 IN IP4 172.16.0.50',
  's=Polycom IP Phone',
  'c=IN IP4 172.16.0.50',
  't=0 0',
  'a=sendrecv',
  'm=audio 2222 RTP/AVP 9 102 0 8 18 127',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:102 G7221/16000',
  'a=fmtp:102 bitrate=32000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:127 telephone-event/8000',
);

/** An IPv6-only phone. */
export const IPV6 = crlf(
  'v=0',
  'o=- 3810395873 3810395873 IN IP6 2001:db8::1',
  's=-',
  'c=IN IP6 2001:db8::1',
  't=0 0',
  'm=audio 30000 RTP/AVP 8 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
);

/** Builds a small offer around one audio m-line; `extra` lines go after it. */
export function audioOffer(mLine: string, ...extra: string[]): string {
  return crlf('v=0', 'o=test 1 1 IN IP4 192.0.2.50', 's=-', 'c=IN IP4 192.0.2.50', 't=0 0', mLine, ...extra);
}

export const LOCAL: LocalMediaCapabilities = {
  address: '198.51.100.7',
  port: 40000,
  codecs: ['PCMU', 'PCMA'],
  telephoneEvent: true,
  sessionId: '1234',
  username: 'voxmail',
};

const TORTURE = fileURLToPath(new URL('../../../../../shared/testdata/sip-torture/', import.meta.url));

/**
 * The SDP inside a torture message: from the first line that is exactly `v=0` to the
 * end. (Not simply "after the blank line": dblreq.dat carries a second request after
 * the first one's empty body, and the RFC 5118 files have wrong Content-Lengths.)
 */
export function tortureSdp(relative: string): Buffer | undefined {
  const bytes = readFileSync(TORTURE + relative);
  const text = bytes.toString('latin1');
  const start = /^v=0\r?$/m.exec(text)?.index;
  return start === undefined ? undefined : bytes.subarray(start);
}

/** Every torture file (relative path) that carries an SDP body. */
export function tortureFilesWithSdp(): string[] {
  const out: string[] = [];
  for (const dir of ['rfc4475', 'rfc5118']) {
    for (const name of readdirSync(TORTURE + dir).sort()) {
      if (name.endsWith('.dat') && tortureSdp(`${dir}/${name}`) !== undefined) out.push(`${dir}/${name}`);
    }
  }
  return out;
}
