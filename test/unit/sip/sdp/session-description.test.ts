import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSdp, SDP_LIMITS, serializeSdp } from '../../../../src/sip/sdp/index.js';
import type { SessionDescription } from '../../../../src/sip/sdp/index.js';
import { ASTERISK, BARESIP, CISCO, IPV6, LINPHONE, POLYCOM, SIPP, tortureFilesWithSdp, tortureSdp } from './fixtures.js';

function parsed(text: string | Buffer): SessionDescription {
  const r = parseSdp(text);
  if (!r.ok) assert.fail(`expected SDP to parse, got: ${r.error}`);
  return r.value;
}

function parseError(text: string | Buffer): string {
  const r = parseSdp(text);
  if (r.ok) assert.fail('expected a parse error');
  return r.error;
}

/** parse -> serialize -> parse gives the same description, and serialization is stable. */
function assertRoundTrip(sd: SessionDescription): void {
  const text = serializeSdp(sd);
  const again = parsed(text);
  assert.deepEqual(again, sd);
  assert.equal(serializeSdp(again), text);
}

const REAL = { SIPP, BARESIP, ASTERISK, LINPHONE, CISCO, POLYCOM, IPV6 };

describe('parseSdp: real user agents', () => {
  for (const [name, text] of Object.entries(REAL)) {
    it(`parses and round-trips ${name}`, () => {
      const sd = parsed(text);
      assert.ok(sd.media.length >= 1);
      assertRoundTrip(sd);
      const out = serializeSdp(sd);
      assert.ok(out.endsWith('\r\n'));
      assert.ok(!/[^\r]\n/.test(out), 'every line ends with CRLF');
    });
  }

  it('reads every field of the SIPp offer (LF line ends)', () => {
    const sd = parsed(SIPP);
    assert.deepEqual(sd.origin, {
      username: 'sipp',
      sessionId: '53655765',
      sessionVersion: '2353687637',
      netType: 'IN',
      addrType: 'IP4',
      address: '192.0.2.10',
    });
    assert.equal(sd.sessionName, '-');
    assert.deepEqual(sd.connections, [{ netType: 'IN', addrType: 'IP4', address: '192.0.2.10' }]);
    assert.deepEqual(sd.timings, [{ start: '0', stop: '0', repeats: [] }]);
    const m = sd.media[0]!;
    assert.equal(m.media, 'audio');
    assert.equal(m.port, 6000);
    assert.equal(m.proto, 'RTP/AVP');
    assert.deepEqual(m.formats, ['0', '101']);
    assert.deepEqual(m.rtpmaps, [
      { payloadType: 0, encodingName: 'PCMU', clockRate: 8000 },
      { payloadType: 101, encodingName: 'telephone-event', clockRate: 8000 },
    ]);
    assert.deepEqual(m.fmtps, [{ format: '101', parameters: '0-15' }]);
    assert.equal(m.ptime, 20);
    assert.equal(m.direction, undefined);
  });

  it('serializes the SIPp offer back to the same lines, with CRLF', () => {
    assert.equal(serializeSdp(parsed(SIPP)), SIPP.replaceAll('\n', '\r\n'));
  });

  it('gives the same result for LF and CRLF input', () => {
    assert.deepEqual(parsed(ASTERISK.replaceAll('\r\n', '\n')), parsed(ASTERISK));
  });

  it('tolerates blanks at line ends (Cisco) and keeps media-level c= and b=', () => {
    const sd = parsed(CISCO);
    assert.equal(sd.sessionName, 'SIP Call');
    assert.deepEqual(sd.bandwidths, [{ type: 'AS', value: 4064 }]);
    assert.deepEqual(sd.connections, []);
    const m = sd.media[0]!;
    assert.deepEqual(m.formats, ['0', '8', '18', '9', '116', '101']);
    assert.deepEqual(m.connections, [{ netType: 'IN', addrType: 'IP4', address: '10.10.10.21' }]);
    assert.deepEqual(m.bandwidths, [{ type: 'TIAS', value: 64000 }]);
    assert.equal(m.direction, 'sendrecv');
  });

  it('keeps a session-level direction (Polycom)', () => {
    const sd = parsed(POLYCOM);
    assert.equal(sd.direction, 'sendrecv');
    assert.equal(sd.media[0]!.direction, undefined);
  });

  it('parses a=rtcp, rtpmap channels, several telephone-event rates and unknown attributes (Linphone)', () => {
    const sd = parsed(LINPHONE);
    const [audio, video] = sd.media;
    assert.deepEqual(audio!.rtcp, { port: 7079 });
    assert.deepEqual(audio!.rtpmaps[0], { payloadType: 96, encodingName: 'opus', clockRate: 48000, encodingParameters: '2' });
    assert.deepEqual(
      audio!.rtpmaps.filter((r) => r.encodingName === 'telephone-event').map((r) => [r.payloadType, r.clockRate]),
      [
        [101, 48000],
        [99, 16000],
        [100, 8000],
      ],
    );
    assert.deepEqual(audio!.attributes, [
      { name: 'rtcp-fb', value: '* trr-int 1000' },
      { name: 'rtcp-fb', value: '* ccm tmmbr' },
    ]);
    assert.deepEqual(sd.attributes[1], {
      name: 'rtcp-xr',
      value: 'rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
    });
    assert.equal(video!.media, 'video');
    assert.equal(video!.port, 9078);
  });

  it('parses IPv6 connection and origin', () => {
    const sd = parsed(IPV6);
    assert.equal(sd.origin.addrType, 'IP6');
    assert.equal(sd.origin.address, '2001:db8::1');
    assert.deepEqual(sd.connections, [{ netType: 'IN', addrType: 'IP6', address: '2001:db8::1' }]);
  });
});

describe('parseSdp: RFC 4566 details', () => {
  const base = (...lines: string[]): string =>
    ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', ...lines].join('\r\n');

  it('parses multicast c= with TTL and address count, and several c= lines in one media section', () => {
    const sd = parsed(
      base(
        'm=audio 49170/2 RTP/AVP 0',
        'c=IN IP4 224.2.1.1/127/3',
        'c=IN IP4 224.2.2.1/127',
        'c=IN IP6 FF15::101/3',
      ),
    );
    const m = sd.media[0]!;
    assert.equal(m.numPorts, 2);
    assert.deepEqual(m.connections, [
      { netType: 'IN', addrType: 'IP4', address: '224.2.1.1', ttl: 127, numAddresses: 3 },
      { netType: 'IN', addrType: 'IP4', address: '224.2.2.1', ttl: 127 },
      { netType: 'IN', addrType: 'IP6', address: 'FF15::101', numAddresses: 3 },
    ]);
    const text = serializeSdp(sd);
    assert.match(text, /\r\nm=audio 49170\/2 RTP\/AVP 0\r\n/);
    assert.match(text, /\r\nc=IN IP4 224\.2\.1\.1\/127\/3\r\n/);
    assert.match(text, /\r\nc=IN IP6 FF15::101\/3\r\n/);
    assertRoundTrip(sd);
  });

  it('keeps unknown address types verbatim', () => {
    const sd = parsed(base('m=audio 1 RTP/AVP 0', 'c=IN X25 1234/5/6'));
    assert.deepEqual(sd.media[0]!.connections, [{ netType: 'IN', addrType: 'X25', address: '1234/5/6' }]);
  });

  it('keeps session ids larger than 2^53 exactly', () => {
    const sd = parsed(['v=0', 'o=assistant 971731711378798081 18446744073709551615 IN IP6 2001:db8::20', 's=x'].join('\n'));
    assert.equal(sd.origin.sessionId, '971731711378798081');
    assert.equal(sd.origin.sessionVersion, '18446744073709551615');
  });

  it('accepts blanks inside the o= username (the last five fields are fixed)', () => {
    const sd = parsed(['v=0', 'o=Polycom IP Phone 1 2 IN IP4 192.0.2.1', 's=-'].join('\n'));
    assert.equal(sd.origin.username, 'Polycom IP Phone');
    assert.equal(sd.origin.address, '192.0.2.1');
  });

  it('keeps unknown attributes, unknown line types and malformed optional lines verbatim', () => {
    const sd = parsed(
      base(
        'a=group:BUNDLE 0',
        'y=vendor extension',
        'b=garbage',
        'm=audio 5004 RTP/AVP 0 96',
        'a=rtpmap:96 broken',
        'a=ptime:twenty',
        'a=fmtp:96',
        'a=rtcp-mux',
        'a=x-custom:value with: colons',
        'X=uppercase type',
        's=session line inside media',
      ),
    );
    assert.deepEqual(sd.attributes, [{ name: 'group', value: 'BUNDLE 0' }]);
    assert.deepEqual(sd.unknownLines, [
      { type: 'y', value: 'vendor extension' },
      { type: 'b', value: 'garbage' },
    ]);
    const m = sd.media[0]!;
    assert.deepEqual(m.rtpmaps, []);
    assert.equal(m.ptime, undefined);
    assert.deepEqual(m.attributes, [
      { name: 'rtpmap', value: '96 broken' },
      { name: 'ptime', value: 'twenty' },
      { name: 'fmtp', value: '96' },
      { name: 'rtcp-mux', value: null },
      { name: 'x-custom', value: 'value with: colons' },
    ]);
    assert.deepEqual(m.unknownLines, [
      { type: 'X', value: 'uppercase type' },
      { type: 's', value: 'session line inside media' },
    ]);
    const text = serializeSdp(sd);
    for (const line of ['a=x-custom:value with: colons', 'a=rtcp-mux', 'y=vendor extension', 'X=uppercase type']) {
      assert.ok(text.includes(`\r\n${line}\r\n`), line);
    }
    assertRoundTrip(sd);
  });

  it('parses the optional session fields and repeat times', () => {
    const sd = parsed(
      [
        'v=0',
        'o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5',
        's=SDP Seminar',
        'i=A Seminar on the session description protocol',
        'u=http://www.example.com/seminars/sdp.pdf',
        'e=j.doe@example.com (Jane Doe)',
        'p=+1 617 555-6011',
        'c=IN IP4 224.2.17.12/127',
        't=2873397496 2873404696',
        'r=7d 1h 0 25h',
        'z=2882844526 -1h 2898848070 0',
        'k=prompt',
        'a=recvonly',
        'm=audio 49170 RTP/AVP 0',
        'i=voice',
        'k=clear:secret',
        'm=video 51372 RTP/AVP 99',
        'a=rtpmap:99 h263-1998/90000',
      ].join('\r\n'),
    );
    assert.equal(sd.information, 'A Seminar on the session description protocol');
    assert.equal(sd.uri, 'http://www.example.com/seminars/sdp.pdf');
    assert.deepEqual(sd.emails, ['j.doe@example.com (Jane Doe)']);
    assert.deepEqual(sd.phones, ['+1 617 555-6011']);
    assert.deepEqual(sd.timings, [{ start: '2873397496', stop: '2873404696', repeats: ['7d 1h 0 25h'] }]);
    assert.equal(sd.timeZones, '2882844526 -1h 2898848070 0');
    assert.equal(sd.encryptionKey, 'prompt');
    assert.equal(sd.direction, 'recvonly');
    assert.equal(sd.media[0]!.information, 'voice');
    assert.equal(sd.media[0]!.encryptionKey, 'clear:secret');
    assertRoundTrip(sd);
  });

  it('parses ptime/maxptime with decimals, rtcp with an address, fmtp with blanks', () => {
    const sd = parsed(
      base(
        'm=audio 5004 RTP/AVP 18',
        'a=ptime:20.5',
        'a=maxptime:40',
        'a=rtcp:53020 IN IP4 126.16.64.4',
        'a=fmtp:18 annexb=no; foo=bar',
        'a=SendOnly',
      ),
    );
    const m = sd.media[0]!;
    assert.equal(m.ptime, 20.5);
    assert.equal(m.maxptime, 40);
    assert.deepEqual(m.rtcp, { port: 53020, netType: 'IN', addrType: 'IP4', address: '126.16.64.4' });
    assert.deepEqual(m.fmtps, [{ format: '18', parameters: 'annexb=no; foo=bar' }]);
    assert.equal(m.direction, 'sendonly');
    assertRoundTrip(sd);
  });

  it('fills in a missing s= and t=, and accepts a zero-format m= line', () => {
    const sd = parsed(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 'm=audio 0 RTP/AVP'].join('\n'));
    assert.equal(sd.sessionName, '-');
    assert.deepEqual(sd.timings, [{ start: '0', stop: '0', repeats: [] }]);
    assert.deepEqual(sd.media[0]!.formats, []);
    assertRoundTrip(sd);
  });

  it('accepts a Buffer, a BOM, blank lines and trailing empty lines', () => {
    const text = `\uFEFF${SIPP.replace('s=-\n', 's=-\n\n  \n')}\n\n\r\n`;
    assert.deepEqual(parsed(Buffer.from(text, 'utf8')), parsed(SIPP));
  });

  it('serializes exactly, and strips CR/LF/NUL that code put into values', () => {
    const sd = parsed(SIPP);
    sd.sessionName = 'evil\r\na=injected\0';
    const text = serializeSdp(sd);
    assert.ok(text.includes('\r\ns=evila=injected\r\n'));
    assert.equal(text.split('\r\n').length, SIPP.split('\n').length);
  });
});

describe('parseSdp: errors and limits (never throws)', () => {
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['empty string', '', /empty/],
    ['only blank lines', '\r\n\r\n  \n', /empty/],
    ['not SDP', 'hello world', /<type>=<value>/],
    ['JSON', '{"v":0}', /<type>=<value>/],
    ['no v= first', 'o=- 1 1 IN IP4 1.2.3.4\nv=0', /start with "v=0"/],
    ['version 1', 'v=1\no=- 1 1 IN IP4 1.2.3.4', /unsupported SDP version/],
    ['no o=', 'v=0\ns=-\nt=0 0\nm=audio 1 RTP/AVP 0', /no "o=" line/],
    ['short o=', 'v=0\no=- 1 IN IP4 1.2.3.4', /o= needs 6 fields/],
    ['two o=', 'v=0\no=- 1 1 IN IP4 1.2.3.4\no=- 1 1 IN IP4 1.2.3.4', /second "o="/],
    ['two v=', 'v=0\no=- 1 1 IN IP4 1.2.3.4\nv=0', /second "v="/],
    ['o= in media', 'v=0\nm=audio 1 RTP/AVP 0\no=- 1 1 IN IP4 1.2.3.4', /inside a media/],
    ['port too big', 'v=0\no=- 1 1 IN IP4 1.2.3.4\nm=audio 70000 RTP/AVP 0', /port must be/],
    ['port not a number', 'v=0\no=- 1 1 IN IP4 1.2.3.4\nm=audio x RTP/AVP 0', /port must be/],
    ['bad port count', 'v=0\no=- 1 1 IN IP4 1.2.3.4\nm=audio 1/0 RTP/AVP 0', /number of ports/],
    ['m= without proto', 'v=0\no=- 1 1 IN IP4 1.2.3.4\nm=audio 1', /m= needs/],
    ['c= with 2 fields', 'v=0\no=- 1 1 IN IP4 1.2.3.4\nc=IN 1.2.3.4', /c= needs/],
    ['c= bad TTL', 'v=0\no=- 1 1 IN IP4 1.2.3.4\nc=IN IP4 224.0.0.1/300', /TTL/],
    ['c= IP6 with TTL', 'v=0\no=- 1 1 IN IP4 1.2.3.4\nc=IN IP6 ff15::1/127/3', /IP6 takes no TTL/],
    ['c= empty address', 'v=0\no=- 1 1 IN IP4 1.2.3.4\nc=IN IP4 /3', /empty address/],
    ['blank before =', 'v=0\no=- 1 1 IN IP4 1.2.3.4\nm =video 3227 RTP/AVP 31', /line 3: expected/],
    ['leading blank', 'v=0\n o=- 1 1 IN IP4 1.2.3.4', /line 2: expected/],
    ['NUL in a line', 'v=0\no=- 1 1 IN IP4 1.2.3.4\ns=a\0b', /CR or NUL/],
    ['bare CR in a line', 'v=0\no=- 1 1 IN IP4 1.2.3.4\rs=x', /CR or NUL/],
    ['r= before t=', 'v=0\no=- 1 1 IN IP4 1.2.3.4\nr=7d 1h 0 25h', /r=/],
    ['a SIP message', 'INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\nv=0', /<type>=<value>/],
    ['binary', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a, 0x3d]), /<type>=<value>|CR or NUL/],
  ];
  for (const [name, input, expected] of cases) {
    it(`rejects ${name}`, () => {
      assert.match(parseError(input), expected);
    });
  }

  it('rejects non-string input from untyped callers', () => {
    assert.match(parseError(42 as unknown as string), /string or a Buffer/);
    assert.match(parseError(null as unknown as string), /string or a Buffer/);
  });

  it(`rejects text over ${SDP_LIMITS.maxBytes} octets, as string, as Buffer, and in multi-byte characters`, () => {
    const big = `v=0\no=- 1 1 IN IP4 1.2.3.4\ns=${'x'.repeat(SDP_LIMITS.maxBytes)}`;
    assert.match(parseError(big), /larger than/);
    assert.match(parseError(Buffer.from(big)), /larger than/);
    // 30,000 characters but 90,000 octets in UTF-8.
    assert.match(parseError(`v=0\ns=${'€'.repeat(30000)}`), /larger than/);
  });

  it('accepts a description just under the size limit', () => {
    const head = 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=';
    const sd = parsed(head + 'x'.repeat(SDP_LIMITS.maxBytes - head.length));
    assert.equal(sd.sessionName.length, SDP_LIMITS.maxBytes - head.length);
  });

  it(`accepts ${SDP_LIMITS.maxLines} lines and rejects one more`, () => {
    const head = ['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 't=0 0', 'm=audio 1 RTP/AVP 0'];
    const fill = (n: number): string => [...head, ...Array.from({ length: n - head.length }, (_, i) => `a=x${i}`)].join('\n');
    assert.equal(parsed(fill(SDP_LIMITS.maxLines)).media[0]!.attributes.length, SDP_LIMITS.maxLines - head.length);
    assert.match(parseError(fill(SDP_LIMITS.maxLines + 1)), /more than 1024 lines/);
    // Blank lines count too: a body of newlines is not a way around the limit.
    assert.match(parseError(`v=0\n${'\n'.repeat(SDP_LIMITS.maxLines)}o=- 1 1 IN IP4 1.2.3.4`), /more than 1024 lines/);
  });

  it(`accepts ${SDP_LIMITS.maxMediaDescriptions} m= lines and rejects one more`, () => {
    const offer = (n: number): string =>
      ['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0', ...Array.from({ length: n }, () => 'm=audio 0 RTP/AVP 0')].join('\n');
    assert.equal(parsed(offer(SDP_LIMITS.maxMediaDescriptions)).media.length, SDP_LIMITS.maxMediaDescriptions);
    assert.match(parseError(offer(SDP_LIMITS.maxMediaDescriptions + 1)), /more than 64 m= lines/);
  });

  it('quotes at most 40 characters of a bad line in the error', () => {
    const error = parseError(`v=0\n${'?'.repeat(5000)}`);
    assert.ok(error.length < 120, error);
  });
});

describe('parseSdp: SDP bodies of the RFC 4475 / RFC 5118 torture messages', () => {
  const files = tortureFilesWithSdp();

  it('finds the SDP bodies', () => {
    assert.ok(files.length >= 20, `only ${files.length} files`);
    assert.ok(files.includes('rfc5118/ipv6-in-sdp.dat'));
    assert.ok(files.includes('rfc5118/mult-ip-in-sdp.dat'));
  });

  for (const file of files) {
    if (file === 'rfc4475/dblreq.dat') continue;
    it(`parses and round-trips ${file}`, () => {
      assertRoundTrip(parsed(tortureSdp(file)!));
    });
  }

  it('rejects the body of rfc4475/dblreq.dat, whose "m =video" line is malformed', () => {
    assert.match(parseError(tortureSdp('rfc4475/dblreq.dat')!), /line 7: expected "<type>=<value>", got "m =video/);
  });

  it('fills in s= and t= for rfc4475/mismatch02.dat, which has neither', () => {
    const sd = parsed(tortureSdp('rfc4475/mismatch02.dat')!);
    assert.equal(sd.sessionName, '-');
    assert.deepEqual(sd.timings, [{ start: '0', stop: '0', repeats: [] }]);
    assert.equal(sd.media.length, 2);
  });

  it('reads rfc5118/ipv6-in-sdp.dat (LF line ends, IPv6 origin and connection)', () => {
    const sd = parsed(tortureSdp('rfc5118/ipv6-in-sdp.dat')!);
    assert.deepEqual(sd.origin, {
      username: 'assistant',
      sessionId: '971731711378798081',
      sessionVersion: '0',
      netType: 'IN',
      addrType: 'IP6',
      address: '2001:db8::20',
    });
    assert.equal(sd.sessionName, "Live video feed for today's meeting");
    assert.deepEqual(sd.connections, [{ netType: 'IN', addrType: 'IP6', address: '2001:db8::20' }]);
    assert.deepEqual(sd.timings, [{ start: '3338481189', stop: '3370017201', repeats: [] }]);
    assert.deepEqual(
      sd.media.map((m) => [m.media, m.port, m.formats, m.rtpmaps[0]?.encodingName]),
      [
        ['audio', 6000, ['2'], 'G726-32'],
        ['video', 6024, ['107'], 'H263-1998'],
      ],
    );
  });

  it('reads rfc5118/mult-ip-in-sdp.dat (empty s=, an IP4 and an IP6 c= per media)', () => {
    const sd = parsed(tortureSdp('rfc5118/mult-ip-in-sdp.dat')!);
    assert.equal(sd.sessionName, '');
    assert.deepEqual(sd.connections, []);
    assert.deepEqual(sd.media[0]!.connections, [{ netType: 'IN', addrType: 'IP4', address: '192.0.2.1' }]);
    assert.deepEqual(sd.media[1]!.connections, [{ netType: 'IN', addrType: 'IP6', address: '2001:db8::1' }]);
  });
});
