import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptAnswer,
  answerOffer,
  answerReoffer,
  createOffer,
  parseSdp,
  serializeSdp,
} from '../../../../src/sip/sdp/index.js';
import type { LocalMediaCapabilities, NegotiatedMedia, SessionDescription } from '../../../../src/sip/sdp/index.js';
import {
  ASTERISK,
  audioOffer,
  BARESIP,
  CISCO,
  IPV6,
  LINPHONE,
  LOCAL,
  POLYCOM,
  SIPP,
  tortureFilesWithSdp,
  tortureSdp,
} from './fixtures.js';

function sdp(text: string | Buffer): SessionDescription {
  const r = parseSdp(text);
  if (!r.ok) assert.fail(`fixture does not parse: ${r.error}`);
  return r.value;
}

function answer(
  offer: string | Buffer,
  local: LocalMediaCapabilities = LOCAL,
): { answer: SessionDescription; media: NegotiatedMedia; text: string } {
  const r = answerOffer(sdp(offer), local);
  if (!r.ok) assert.fail(`expected an answer, got 488: ${r.error.reason}`);
  const text = serializeSdp(r.value.answer);
  // Whatever we answer must itself be valid SDP that reads back the same.
  assert.deepEqual(sdp(text), r.value.answer);
  return { ...r.value, text };
}

function rejection(offer: string | Buffer, local: LocalMediaCapabilities = LOCAL): string {
  const r = answerOffer(sdp(offer), local);
  if (r.ok) assert.fail(`expected 488, got an answer:\n${serializeSdp(r.value.answer)}`);
  assert.equal(r.error.status, 488);
  return r.error.reason;
}

describe('answerOffer: real user agents', () => {
  it('answers SIPp with PCMU, telephone-event 101, ptime 20 (exact answer text)', () => {
    const { media, text } = answer(SIPP);
    assert.deepEqual(media, {
      remoteAddress: '192.0.2.10',
      remotePort: 6000,
      codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
      telephoneEventPayloadType: 101,
      ptime: 20,
      direction: 'sendrecv',
      rtcpPort: 6001,
    });
    assert.equal(
      text,
      [
        'v=0',
        'o=voxmail 1234 1 IN IP4 198.51.100.7',
        's=-',
        'c=IN IP4 198.51.100.7',
        't=0 0',
        'm=audio 40000 RTP/AVP 0 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=ptime:20',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
  });

  it("follows the offerer's order: baresip lists opus, G722, PCMU, PCMA -> PCMU", () => {
    const { media, answer: a } = answer(BARESIP, { ...LOCAL, codecs: ['PCMA', 'PCMU'] });
    assert.equal(media.codec.name, 'PCMU');
    assert.equal(media.telephoneEventPayloadType, 101);
    assert.deepEqual(a.media[0]!.formats, ['0', '101']);
    assert.equal(media.remoteAddress, '10.0.0.5');
  });

  it('answers Asterisk with PCMA (its first choice) and echoes its fmtp 0-16', () => {
    const { media, answer: a } = answer(ASTERISK);
    assert.deepEqual(media.codec, { name: 'PCMA', payloadType: 8, clockRate: 8000 });
    assert.deepEqual(a.media[0]!.fmtps, [{ format: '101', parameters: '0-16' }]);
    assert.equal(media.ptime, 20);
  });

  it('skips codecs we do not accept: Asterisk PCMA first, but we only take PCMU', () => {
    const { media } = answer(ASTERISK, { ...LOCAL, codecs: ['PCMU'] });
    assert.deepEqual(media.codec, { name: 'PCMU', payloadType: 0, clockRate: 8000 });
  });

  it('answers Linphone: telephone-event/8000 among three rates, a=rtcp, video rejected with port 0', () => {
    const { media, answer: a, text } = answer(LINPHONE);
    assert.equal(media.codec.name, 'PCMU');
    assert.equal(media.telephoneEventPayloadType, 100);
    assert.equal(media.rtcpPort, 7079);
    assert.equal(a.media.length, 2);
    assert.deepEqual(a.media[0]!.formats, ['0', '100']);
    assert.deepEqual(a.media[0]!.rtpmaps, [
      { payloadType: 0, encodingName: 'PCMU', clockRate: 8000 },
      { payloadType: 100, encodingName: 'telephone-event', clockRate: 8000 },
    ]);
    assert.deepEqual(a.media[0]!.fmtps, [{ format: '100', parameters: '0-15' }]);
    assert.match(text, /\r\nm=video 0 RTP\/AVP 96 97\r\n$/);
    assert.ok(!text.includes('48000') && !text.includes('16000'));
  });

  it('answers a Cisco phone using its media-level c=', () => {
    const { media } = answer(CISCO);
    assert.equal(media.remoteAddress, '10.10.10.21');
    assert.equal(media.remotePort, 25478);
    assert.equal(media.codec.name, 'PCMU');
    assert.equal(media.direction, 'sendrecv');
  });

  it('answers a Polycom phone: PCMU after G722/G7221, telephone-event 127 without fmtp gets 0-15', () => {
    const { media, answer: a } = answer(POLYCOM);
    assert.equal(media.codec.name, 'PCMU');
    assert.equal(media.telephoneEventPayloadType, 127);
    assert.deepEqual(a.media[0]!.fmtps, [{ format: '127', parameters: '0-15' }]);
  });

  it('answers an IPv6 offer from an IPv6 address', () => {
    const { media, text } = answer(IPV6, { ...LOCAL, address: '2001:db8::100' });
    assert.equal(media.remoteAddress, '2001:db8::1');
    assert.equal(media.codec.name, 'PCMA');
    assert.match(text, /\r\no=voxmail 1234 1 IN IP6 2001:db8::100\r\n/);
    assert.match(text, /\r\nc=IN IP6 2001:db8::100\r\n/);
  });

  it('invents a session id and uses "-" as username when not given', () => {
    const { answer: a } = answer(SIPP, { address: '192.0.2.1', port: 4000, codecs: ['PCMU'], telephoneEvent: false });
    assert.equal(a.origin.username, '-');
    assert.match(a.origin.sessionId, /^[1-9]\d*$/);
    assert.deepEqual(a.media[0]!.formats, ['0']);
  });
});

describe('answerOffer: codecs', () => {
  it('accepts a PCMA-only offer', () => {
    assert.equal(answer(audioOffer('m=audio 5000 RTP/AVP 8')).media.codec.name, 'PCMA');
  });

  it('rejects a PCMA-only offer when we only take PCMU', () => {
    assert.match(rejection(audioOffer('m=audio 5000 RTP/AVP 8'), { ...LOCAL, codecs: ['PCMU'] }), /no common codec/);
  });

  it('rejects a G.729-only offer with 488', () => {
    const offer = audioOffer('m=audio 5000 RTP/AVP 18 101', 'a=rtpmap:18 G729/8000', 'a=rtpmap:101 telephone-event/8000');
    const reason = rejection(offer);
    assert.match(reason, /no common codec: offered \[18 101\]/);
  });

  it('accepts PCMU on a dynamic payload type and answers with the same number', () => {
    const { media, answer: a } = answer(audioOffer('m=audio 5000 RTP/AVP 96', 'a=rtpmap:96 pcmu/8000'));
    assert.deepEqual(media.codec, { name: 'PCMU', payloadType: 96, clockRate: 8000 });
    assert.deepEqual(a.media[0]!.rtpmaps, [{ payloadType: 96, encodingName: 'PCMU', clockRate: 8000 }]);
  });

  it('refuses PCMU at another rate or in stereo, and a static number rebound by rtpmap', () => {
    assert.match(rejection(audioOffer('m=audio 5000 RTP/AVP 96', 'a=rtpmap:96 PCMU/16000')), /no common codec/);
    assert.match(rejection(audioOffer('m=audio 5000 RTP/AVP 96', 'a=rtpmap:96 PCMA/8000/2')), /no common codec/);
    assert.match(rejection(audioOffer('m=audio 5000 RTP/AVP 0', 'a=rtpmap:0 G729/8000')), /no common codec/);
    assert.equal(answer(audioOffer('m=audio 5000 RTP/AVP 96', 'a=rtpmap:96 PCMA/8000/1')).media.codec.name, 'PCMA');
  });

  it('leaves telephone-event out when not wanted or offered only at other rates', () => {
    const off = answer(SIPP, { ...LOCAL, telephoneEvent: false });
    assert.equal(off.media.telephoneEventPayloadType, null);
    assert.deepEqual(off.answer.media[0]!.formats, ['0']);
    assert.deepEqual(off.answer.media[0]!.fmtps, []);
    const wide = answer(audioOffer('m=audio 5000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/48000'));
    assert.equal(wide.media.telephoneEventPayloadType, null);
  });
});

describe('answerOffer: streams and addresses', () => {
  it('rejects video with port 0 and keeps the number and order of m-lines', () => {
    const offer = [
      'v=0',
      'o=- 1 1 IN IP4 192.0.2.5',
      's=-',
      'c=IN IP4 192.0.2.5',
      't=0 0',
      'm=video 5002 RTP/AVP 31',
      'm=audio 5000 RTP/AVP 0',
      'm=application 5004 UDP/BFCP *',
      'm=audio 5006 RTP/AVP 8',
      'm=text 5008 RTP/AVP',
    ].join('\r\n');
    const { answer: a } = answer(offer);
    assert.deepEqual(
      a.media.map((m) => [m.media, m.port, m.proto, m.formats.join(' ')]),
      [
        ['video', 0, 'RTP/AVP', '31'],
        ['audio', 40000, 'RTP/AVP', '0'],
        ['application', 0, 'UDP/BFCP', '*'],
        ['audio', 0, 'RTP/AVP', '8'],
        ['text', 0, 'RTP/AVP', '0'],
      ],
    );
  });

  it('skips a disabled audio stream (port 0) and uses the next one', () => {
    const { media, answer: a } = answer(
      audioOffer('m=audio 0 RTP/AVP 0', 'm=audio 5010 RTP/AVP 8', 'c=IN IP4 192.0.2.99'),
    );
    assert.equal(media.remoteAddress, '192.0.2.99');
    assert.equal(media.remotePort, 5010);
    assert.deepEqual(
      a.media.map((m) => m.port),
      [0, 40000],
    );
  });

  it('rejects with 488 when every audio stream is disabled, or none is offered', () => {
    assert.match(rejection(audioOffer('m=audio 0 RTP/AVP 0')), /disabled/);
    assert.match(rejection(audioOffer('m=video 5000 RTP/AVP 31')), /no audio stream/);
    assert.match(rejection(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-'].join('\n')), /no audio stream/);
  });

  it('refuses SRTP and AVPF, but takes a later plain RTP/AVP stream', () => {
    assert.match(rejection(audioOffer('m=audio 5000 RTP/SAVP 0')), /RTP\/SAVP; only RTP\/AVP/);
    assert.match(rejection(audioOffer('m=audio 5000 UDP/TLS/RTP/SAVPF 0')), /only RTP\/AVP/);
    assert.match(rejection(audioOffer('m=audio 5000 RTP/AVPF 0')), /only RTP\/AVP/);
    const { media, answer: a } = answer(audioOffer('m=audio 5000 RTP/SAVP 0', 'm=audio 5002 RTP/AVP 0'));
    assert.equal(media.remotePort, 5002);
    assert.deepEqual(
      a.media.map((m) => m.port),
      [0, 40000],
    );
  });

  it('rejects an audio stream without any c= (missing connection address)', () => {
    const offer = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 5000 RTP/AVP 0'].join('\r\n');
    assert.match(rejection(offer), /no connection address/);
  });

  it('rejects a c= that is a host name, not an IP address', () => {
    const offer = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 pbx.example.com', 'm=audio 5000 RTP/AVP 0'];
    assert.match(rejection(offer.join('\n')), /not an IP address/);
  });

  it('prefers the media-level c= over the session-level one', () => {
    const { media } = answer(audioOffer('m=audio 5000 RTP/AVP 0', 'c=IN IP4 192.0.2.200'));
    assert.equal(media.remoteAddress, '192.0.2.200');
  });

  it('uses a=rtcp when given, else RTP port + 1', () => {
    assert.equal(answer(audioOffer('m=audio 5000 RTP/AVP 0', 'a=rtcp:6001')).media.rtcpPort, 6001);
    assert.equal(answer(audioOffer('m=audio 5000 RTP/AVP 0')).media.rtcpPort, 5001);
    assert.equal(answer(audioOffer('m=audio 65535 RTP/AVP 0')).media.rtcpPort, 0);
  });
});

describe('answerOffer: ptime', () => {
  const ptimeOf = (offer: string, local: LocalMediaCapabilities = LOCAL): number => {
    const r = answer(offer, local);
    assert.equal(r.answer.media[0]!.ptime, r.media.ptime);
    return r.media.ptime;
  };
  it('takes the offered ptime and clamps it to 10..60', () => {
    assert.equal(ptimeOf(audioOffer('m=audio 5000 RTP/AVP 0', 'a=ptime:30')), 30);
    assert.equal(ptimeOf(audioOffer('m=audio 5000 RTP/AVP 0', 'a=ptime:5')), 10);
    assert.equal(ptimeOf(audioOffer('m=audio 5000 RTP/AVP 0', 'a=ptime:200')), 60);
    assert.equal(ptimeOf(audioOffer('m=audio 5000 RTP/AVP 0', 'a=ptime:0')), 10);
    assert.equal(ptimeOf(audioOffer('m=audio 5000 RTP/AVP 0', 'a=ptime:29.6')), 30);
  });
  it('defaults to local.ptime, else 20', () => {
    assert.equal(ptimeOf(audioOffer('m=audio 5000 RTP/AVP 0')), 20);
    assert.equal(ptimeOf(audioOffer('m=audio 5000 RTP/AVP 0'), { ...LOCAL, ptime: 40 }), 40);
    assert.equal(ptimeOf(audioOffer('m=audio 5000 RTP/AVP 0'), { ...LOCAL, ptime: 1000 }), 60);
  });
  it('respects a smaller maxptime, and reads a session-level a=ptime', () => {
    assert.equal(ptimeOf(audioOffer('m=audio 5000 RTP/AVP 0', 'a=ptime:40', 'a=maxptime:30')), 30);
    assert.equal(ptimeOf(audioOffer('a=ptime:30', 'm=audio 5000 RTP/AVP 0')), 30);
  });
});

describe('answerOffer: direction (RFC 3264 §6.1) and hold (§8.4)', () => {
  const cases: Array<[string, string]> = [
    ['sendrecv', 'sendrecv'],
    ['sendonly', 'recvonly'],
    ['recvonly', 'sendonly'],
    ['inactive', 'inactive'],
  ];
  for (const [offered, expected] of cases) {
    it(`answers ${offered} with ${expected}`, () => {
      const r = answer(audioOffer('m=audio 5000 RTP/AVP 0', `a=${offered}`));
      assert.equal(r.media.direction, expected);
      assert.equal(r.answer.media[0]!.direction, expected);
      assert.match(r.text, new RegExp(`\\r\\na=${expected}\\r\\n`));
    });
  }

  it('applies a session-level direction, and lets the media level override it', () => {
    assert.equal(answer(audioOffer('a=sendonly', 'm=audio 5000 RTP/AVP 0')).media.direction, 'recvonly');
    assert.equal(answer(audioOffer('a=sendonly', 'm=audio 5000 RTP/AVP 0', 'a=inactive')).media.direction, 'inactive');
  });

  const hold: Array<[string, string]> = [
    ['sendrecv', 'recvonly'],
    ['sendonly', 'recvonly'],
    ['recvonly', 'inactive'],
    ['inactive', 'inactive'],
  ];
  for (const [offered, expected] of hold) {
    it(`never sends to c=0.0.0.0 / c=:: (${offered} -> ${expected})`, () => {
      const v4 = answer(audioOffer('m=audio 5000 RTP/AVP 0', 'c=IN IP4 0.0.0.0', `a=${offered}`));
      assert.equal(v4.media.direction, expected);
      assert.equal(v4.answer.media[0]!.direction, expected);
      assert.equal(v4.media.remoteAddress, '0.0.0.0');
      const v6 = answer(audioOffer('m=audio 5000 RTP/AVP 0', 'c=IN IP6 ::', `a=${offered}`));
      assert.equal(v6.media.direction, expected);
    });
  }
});

describe('answerOffer: torture-test bodies', () => {
  it('rejects rfc5118/ipv6-in-sdp.dat (G726-32 audio only) with 488', () => {
    assert.match(rejection(tortureSdp('rfc5118/ipv6-in-sdp.dat')!), /no common codec: offered \[2\]/);
  });

  it('answers rfc5118/mult-ip-in-sdp.dat with the audio stream\'s own IP4 c=', () => {
    const { media, answer: a } = answer(tortureSdp('rfc5118/mult-ip-in-sdp.dat')!);
    assert.equal(media.remoteAddress, '192.0.2.1');
    assert.equal(media.remotePort, 22334);
    assert.deepEqual(
      a.media.map((m) => [m.media, m.port]),
      [
        ['audio', 40000],
        ['video', 0],
      ],
    );
  });

  for (const file of tortureFilesWithSdp().filter((f) => f.startsWith('rfc4475/') && f !== 'rfc4475/dblreq.dat')) {
    it(`answers ${file} with PCMU (static PT 0 without rtpmap)`, () => {
      const { media, answer: a } = answer(tortureSdp(file)!);
      assert.deepEqual(media.codec, { name: 'PCMU', payloadType: 0, clockRate: 8000 });
      assert.equal(media.remotePort, 49217);
      assert.ok(a.media.slice(1).every((m) => m.port === 0));
    });
  }
});

describe('createOffer / acceptAnswer (INVITE without SDP: offer in 200, answer in ACK)', () => {
  const offer = createOffer({ ...LOCAL, codecs: ['PCMA', 'PCMU'] });
  const ack = (...mLines: string[]): SessionDescription =>
    sdp(['v=0', 'o=phone 9 9 IN IP4 192.0.2.77', 's=-', 'c=IN IP4 192.0.2.77', 't=0 0', ...mLines].join('\r\n'));

  it('offers our codecs in our order with static payload types, telephone-event 101, sendrecv', () => {
    assert.equal(
      serializeSdp(offer),
      [
        'v=0',
        'o=voxmail 1234 1 IN IP4 198.51.100.7',
        's=-',
        'c=IN IP4 198.51.100.7',
        't=0 0',
        'm=audio 40000 RTP/AVP 8 0 101',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=ptime:20',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
  });

  it('offers from IPv6 and without telephone-event when so configured', () => {
    const local: LocalMediaCapabilities = { address: '2001:db8::5', port: 7000, codecs: ['PCMU', 'PCMU'], telephoneEvent: false, ptime: 30 };
    const text = serializeSdp(createOffer(local));
    assert.match(text, /\r\nc=IN IP6 2001:db8::5\r\n/);
    assert.match(text, /\r\nm=audio 7000 RTP\/AVP 0\r\n/);
    assert.match(text, /\r\na=ptime:30\r\n/);
  });

  it('can be answered by our own answerOffer, and that answer accepted', () => {
    const peer = answerOffer(offer, { ...LOCAL, address: '192.0.2.9', port: 5555 });
    assert.ok(peer.ok);
    const media = acceptAnswer(offer, sdp(serializeSdp(peer.value.answer)));
    assert.deepEqual(media, {
      ok: true,
      value: {
        remoteAddress: '192.0.2.9',
        remotePort: 5555,
        codec: { name: 'PCMA', payloadType: 8, clockRate: 8000 },
        telephoneEventPayloadType: 101,
        ptime: 20,
        direction: 'sendrecv',
        rtcpPort: 5556,
      },
    });
  });

  it("takes the answerer's first codec that we offered", () => {
    const r = acceptAnswer(offer, ack('m=audio 6000 RTP/AVP 18 0 8', 'a=rtpmap:18 G729/8000'));
    assert.ok(r.ok);
    assert.deepEqual(r.value.codec, { name: 'PCMU', payloadType: 0, clockRate: 8000 });
    assert.equal(r.value.telephoneEventPayloadType, null);
  });

  it('uses our telephone-event number even when the answer uses another one', () => {
    const r = acceptAnswer(offer, ack('m=audio 6000 RTP/AVP 0 96', 'a=rtpmap:96 telephone-event/8000', 'a=ptime:30'));
    assert.ok(r.ok);
    assert.equal(r.value.telephoneEventPayloadType, 101);
    assert.equal(r.value.ptime, 30);
  });

  it('mirrors the answer direction and honours c=0.0.0.0', () => {
    const recvonly = acceptAnswer(offer, ack('m=audio 6000 RTP/AVP 0', 'a=recvonly'));
    assert.equal(recvonly.ok && recvonly.value.direction, 'sendonly');
    const held = acceptAnswer(offer, ack('m=audio 6000 RTP/AVP 0', 'c=IN IP4 0.0.0.0'));
    assert.equal(held.ok && held.value.direction, 'recvonly');
  });

  it('rejects unusable answers', () => {
    const cases: Array<[SessionDescription, RegExp]> = [
      [ack('m=audio 0 RTP/AVP 0'), /rejected the audio stream/],
      [ack('m=audio 6000 RTP/AVP 0', 'm=video 0 RTP/AVP 31'), /2 m-lines, the offer had 1/],
      [ack(), /0 m-lines/],
      [ack('m=audio 6000 RTP/AVP 18', 'a=rtpmap:18 G729/8000'), /no G.711 codec we offered/],
      [ack('m=video 6000 RTP/AVP 0'), /"video" where we offered audio/],
      [ack('m=audio 6000 RTP/SAVP 0'), /answer uses RTP\/SAVP/],
      [sdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 'm=audio 6000 RTP/AVP 0'].join('\n')), /no connection address/],
    ];
    for (const [a, expected] of cases) {
      const r = acceptAnswer(offer, a);
      assert.ok(!r.ok);
      assert.match(r.error, expected);
    }
    const pcmuOnly = createOffer({ ...LOCAL, codecs: ['PCMU'] });
    const r = acceptAnswer(pcmuOnly, ack('m=audio 6000 RTP/AVP 8'));
    assert.ok(!r.ok);
    assert.match(r.error, /no G.711 codec we offered/);
  });
});

describe('answerReoffer: o= version (RFC 3264 §8)', () => {
  const first = answer(SIPP).answer;

  it('returns the previous answer, same version, when nothing changed (session refresh)', () => {
    const r = answerReoffer(first, sdp(SIPP), { ...LOCAL, sessionId: 'ignored' });
    assert.ok(r.ok);
    assert.equal(r.value.answer, first);
    assert.equal(r.value.answer.origin.sessionVersion, '1');
    assert.equal(r.value.media.direction, 'sendrecv');
  });

  it('bumps the version by one on hold, and again on resume, keeping the o= line otherwise', () => {
    const held = answerReoffer(first, sdp(SIPP.replace('a=ptime:20', 'a=ptime:20\na=sendonly')), LOCAL);
    assert.ok(held.ok);
    assert.deepEqual(held.value.answer.origin, { ...first.origin, sessionVersion: '2' });
    assert.equal(held.value.media.direction, 'recvonly');
    assert.equal(held.value.answer.media[0]!.direction, 'recvonly');

    const same = answerReoffer(held.value.answer, sdp(SIPP.replace('a=ptime:20', 'a=ptime:20\na=sendonly')), LOCAL);
    assert.ok(same.ok);
    assert.equal(same.value.answer, held.value.answer);

    const resumed = answerReoffer(held.value.answer, sdp(SIPP), LOCAL);
    assert.ok(resumed.ok);
    assert.equal(resumed.value.answer.origin.sessionVersion, '3');
    assert.equal(resumed.value.media.direction, 'sendrecv');
  });

  it('bumps the version when our own media address changes', () => {
    const moved = answerReoffer(first, sdp(SIPP), { ...LOCAL, address: '198.51.100.8' });
    assert.ok(moved.ok);
    assert.equal(moved.value.answer.origin.sessionVersion, '2');
    // The o= address stays that of the first answer: only the version may change.
    assert.equal(moved.value.answer.origin.address, '198.51.100.7');
    assert.equal(moved.value.answer.connections[0]!.address, '198.51.100.8');
  });

  it('keeps the previous answer when the peer changed only things that do not affect our answer', () => {
    const r = answerReoffer(first, sdp(SIPP.replace('192.0.2.10\nt=', '192.0.2.11\nt=')), LOCAL);
    assert.ok(r.ok);
    assert.equal(r.value.answer, first);
    assert.equal(r.value.media.remoteAddress, '192.0.2.11');
  });

  it('counts past 2^64 without losing precision', () => {
    const big = { ...first, origin: { ...first.origin, sessionVersion: '18446744073709551615' } };
    const r = answerReoffer(big, sdp(ASTERISK), LOCAL);
    assert.ok(r.ok);
    assert.equal(r.value.answer.origin.sessionVersion, '18446744073709551616');
  });

  it('follows our own offer when the call started without SDP', () => {
    const ours = createOffer(LOCAL);
    const r = answerReoffer(ours, sdp(SIPP), LOCAL);
    assert.ok(r.ok);
    assert.deepEqual(r.value.answer.origin, { ...ours.origin, sessionVersion: '2' });
    assert.deepEqual(r.value.answer.media[0]!.formats, ['0', '101']);
  });

  it('answers 488 to an unacceptable re-offer', () => {
    const r = answerReoffer(first, sdp(audioOffer('m=audio 5000 RTP/AVP 18', 'a=rtpmap:18 G729/8000')), LOCAL);
    assert.ok(!r.ok);
    assert.equal(r.error.status, 488);
  });
});
