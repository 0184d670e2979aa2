/** Build SIP requests as raw text for tests that drive the server by hand over UDP. */
export interface RawRequestOptions {
  readonly method: string;
  readonly host: string;
  readonly port: number;
  readonly clientPort: number;
  readonly callId: string;
  readonly branch: string;
  readonly cseq: number;
  readonly toTag?: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly extra?: string;
}

export function rawRequest(o: RawRequestOptions): string {
  const body = o.body ?? '';
  const h = o.host.includes(':') ? `[${o.host}]` : o.host;
  return (
    `${o.method} sip:100@${h}:${o.port} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP ${h}:${o.clientPort};branch=${o.branch};rport\r\n` +
    `Max-Forwards: 70\r\nFrom: "Тест" <sip:caller@${h}>;tag=caller-${o.callId}\r\n` +
    `To: <sip:100@${h}>${o.toTag ? `;tag=${o.toTag}` : ''}\r\nCall-ID: ${o.callId}\r\n` +
    `CSeq: ${o.cseq} ${o.method === 'ACK' ? 'ACK' : o.method}\r\nContact: <sip:caller@${h}:${o.clientPort}>\r\n` +
    (o.extra ?? '') +
    (body ? `Content-Type: ${o.contentType ?? 'application/sdp'}\r\n` : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

export function sdpOffer(port: number, direction = 'sendrecv', version = 1): string {
  return `v=0\r\no=- 42 ${version} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=${direction}\r\n`;
}
