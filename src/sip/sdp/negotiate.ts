/**
 * SDP offer/answer for an audio-only UAS that speaks G.711 (PCMU, PCMA) and receives
 * DTMF as RFC 4733 telephone-events.
 *
 * @see RFC 3264 (An Offer/Answer Model with SDP)
 *
 * Payload type numbers in {@link NegotiatedMedia} are those of the SDP *we* sent, i.e.
 * the numbers the peer puts on the packets it sends us (RFC 3264 §5.1). When we answer
 * we reuse the offer's numbers (RFC 3264 §6.1 SHOULD), and our own offers use the static
 * numbers 0 and 8, so in practice the same numbers go both ways.
 */
import { randomInt } from 'node:crypto';
import { isIP, isIPv6 } from 'node:net';
import { err, ok } from '../../shared/result.js';
import type { Result } from '../../shared/result.js';
import { emptyMedia, serializeSdp } from './session-description.js';
import type { MediaDescription, MediaDirection, SdpConnection, SessionDescription } from './session-description.js';

export type G711Codec = 'PCMU' | 'PCMA';

/** What this side can do when it answers or makes an offer. */
export interface LocalMediaCapabilities {
  /** The IP we receive RTP on, v4 or v6 (goes in `o=` and `c=`). */
  address: string;
  /** The RTP port we receive on; RTCP is port + 1 (we never send `a=rtcp`). */
  port: number;
  /** Codecs we accept, in our order of preference (used when we make the offer). */
  codecs: G711Codec[];
  /** Whether to accept RFC 4733 telephone-events (DTMF). */
  telephoneEvent: boolean;
  /** Packetization in ms when the peer states none; default 20, clamped to 10..60. */
  ptime?: number;
  /** `o=` session id; random when absent. Keep it for the dialog's lifetime (RFC 3264 §8). */
  sessionId?: string;
  /** `o=` username; `-` when absent (RFC 4566 §5.2). */
  username?: string;
}

/** The outcome of a negotiation: what the media layer needs to send and receive. */
export interface NegotiatedMedia {
  /** Where to send RTP. Never an unspecified address unless `direction` forbids sending. */
  remoteAddress: string;
  remotePort: number;
  codec: { name: G711Codec; payloadType: number; clockRate: 8000 };
  /** Payload type of telephone-event/8000, or null when not negotiated. */
  telephoneEventPayloadType: number | null;
  /** Packetization in ms, 10..60. */
  ptime: number;
  /** From OUR point of view: `recvonly` means we receive and do not send. */
  direction: MediaDirection;
  /** Where to send RTCP: the peer's `a=rtcp` port, else RTP port + 1 (RFC 3550 §11); 0 if none fits. */
  rtcpPort: number;
}

/** Why an offer cannot be answered: the SIP layer replies 488 Not Acceptable Here. */
export interface OfferRejection {
  status: 488;
  reason: string;
}

/** Our telephone-event payload type when we make the offer: the number everyone uses. */
const OFFER_TELEPHONE_EVENT_PT = 101;
const STATIC_PAYLOAD_TYPES: Readonly<Record<G711Codec, number>> = { PCMU: 0, PCMA: 8 };
const PTIME_MIN = 10;
const PTIME_MAX = 60;
const PTIME_DEFAULT = 20;

interface Encoding {
  name: string;
  clockRate: number;
  channels: string | undefined;
}

/**
 * What a format of an RTP m-line stands for: its `a=rtpmap`, else the static payload
 * types of RFC 3551 §6 we care about (an offer may list 0 or 8 without an rtpmap).
 * @see RFC 4566 §6 (rtpmap), RFC 3551 §6 (static payload types)
 */
function encodingOf(m: MediaDescription, format: string): Encoding | undefined {
  if (!/^\d{1,3}$/.test(format)) return undefined;
  const pt = Number(format);
  const rtpmap = m.rtpmaps.find((r) => r.payloadType === pt);
  if (rtpmap !== undefined) {
    const name = rtpmap.encodingName.toUpperCase();
    return { name, clockRate: rtpmap.clockRate, channels: rtpmap.encodingParameters };
  }
  if (pt === 0) return { name: 'PCMU', clockRate: 8000, channels: undefined };
  if (pt === 8) return { name: 'PCMA', clockRate: 8000, channels: undefined };
  return undefined;
}

/** A G.711 codec we accept: PCMU/PCMA at 8000 Hz, mono. */
function asG711(enc: Encoding | undefined, accepted: readonly G711Codec[]): G711Codec | undefined {
  if (enc === undefined || enc.clockRate !== 8000) return undefined;
  if (enc.channels !== undefined && enc.channels !== '1') return undefined;
  return accepted.find((c) => c === enc.name);
}

function isTelephoneEvent8000(enc: Encoding | undefined): boolean {
  return enc !== undefined && enc.name === 'TELEPHONE-EVENT' && enc.clockRate === 8000;
}

/**
 * Only plain RTP/AVP: we do no SRTP (SAVP) and no RTCP feedback (AVPF), and the answer
 * must keep the offer's proto (RFC 3264 §6.1), so anything else is rejected.
 */
function isPlainRtp(m: MediaDescription): boolean {
  return m.proto.toUpperCase() === 'RTP/AVP';
}

function clampPtime(ms: number): number {
  if (!Number.isFinite(ms)) return PTIME_DEFAULT;
  return Math.min(PTIME_MAX, Math.max(PTIME_MIN, Math.round(ms)));
}

/** A session-level `a=ptime` is not RFC 4566 but some phones send one. */
function offeredPtime(sd: SessionDescription, m: MediaDescription): number | undefined {
  if (m.ptime !== undefined) return m.ptime;
  const attr = sd.attributes.find((a) => a.name.toLowerCase() === 'ptime');
  if (attr?.value == null || !/^\d{1,6}(?:\.\d{1,6})?$/.test(attr.value)) return undefined;
  return Number(attr.value);
}

/** The `c=` that applies to a media section: its own, else the session's (RFC 4566 §5.7). */
function connectionOf(sd: SessionDescription, m: MediaDescription): SdpConnection | undefined {
  return m.connections[0] ?? sd.connections[0];
}

/** 0.0.0.0 or :: — "do not send RTP or RTCP to me" (RFC 3264 §8.4). */
function isUnspecified(address: string): boolean {
  if (address === '0.0.0.0') return true;
  return isIPv6(address) && /^[0:]+$/.test(address);
}

function directionOf(sd: SessionDescription, m: MediaDescription): MediaDirection {
  return m.direction ?? sd.direction ?? 'sendrecv';
}

interface Flags {
  send: boolean;
  recv: boolean;
}

function flagsOf(d: MediaDirection): Flags {
  return { send: d === 'sendrecv' || d === 'sendonly', recv: d === 'sendrecv' || d === 'recvonly' };
}

function directionFrom(f: Flags): MediaDirection {
  if (f.send && f.recv) return 'sendrecv';
  if (f.send) return 'sendonly';
  if (f.recv) return 'recvonly';
  return 'inactive';
}

/** The peer's direction seen from our side: what it sends, we receive. */
function mirror(peer: MediaDirection): Flags {
  const f = flagsOf(peer);
  return { send: f.recv, recv: f.send };
}

function newSessionId(): string {
  // RFC 4566 §5.2 suggests an NTP timestamp; any number unique enough will do, and a
  // random one does not leak the clock.
  return String(randomInt(1, 2 ** 47));
}

function addrTypeOf(address: string): 'IP4' | 'IP6' {
  return isIPv6(address) ? 'IP6' : 'IP4';
}

function localSession(local: LocalMediaCapabilities, media: MediaDescription[]): SessionDescription {
  const addrType = addrTypeOf(local.address);
  return {
    version: 0,
    origin: {
      username: local.username ?? '-',
      sessionId: local.sessionId ?? newSessionId(),
      sessionVersion: '1',
      netType: 'IN',
      addrType,
      address: local.address,
    },
    sessionName: '-',
    emails: [],
    phones: [],
    connections: [{ netType: 'IN', addrType, address: local.address }],
    bandwidths: [],
    timings: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    unknownLines: [],
    media,
  };
}

interface AudioChoice {
  index: number;
  media: NegotiatedMedia;
  answer: MediaDescription;
}

/** Checks one offered audio m-line; returns our choice or why it cannot be used. */
function chooseAudio(
  offer: SessionDescription,
  m: MediaDescription,
  index: number,
  local: LocalMediaCapabilities,
): Result<AudioChoice, string> {
  if (!isPlainRtp(m)) return err(`audio stream uses ${m.proto}; only RTP/AVP is supported`);
  const connection = connectionOf(offer, m);
  if (connection === undefined) return err('audio stream has no connection address (c=)');
  // An FQDN is legal in c= but would make the media layer resolve names per packet;
  // no phone sends one, so we refuse rather than guess.
  if (isIP(connection.address) === 0) return err(`connection address "${connection.address}" is not an IP address`);

  // RFC 3264 §6.1 lets the answerer choose; we take the offerer's order of preference
  // among the codecs we accept, the behaviour most phones expect, and answer that one
  // codec only so that both sides know exactly what will be sent.
  let codec: { name: G711Codec; format: string } | undefined;
  for (const format of m.formats) {
    const name = asG711(encodingOf(m, format), local.codecs);
    if (name !== undefined) {
      codec = { name, format };
      break;
    }
  }
  if (codec === undefined) {
    return err(`no common codec: offered [${m.formats.join(' ')}], we accept [${local.codecs.join(' ')}]`);
  }

  // Several telephone-event rates may be offered (48000, 16000, 8000), one per audio
  // clock. Events share the RTP timestamp clock of the audio they ride with (RFC 4733),
  // and G.711 runs at 8000 Hz, so only telephone-event/8000 fits.
  let telephoneEvent: { format: string; fmtp: string } | undefined;
  if (local.telephoneEvent) {
    const format = m.formats.find((f) => isTelephoneEvent8000(encodingOf(m, f)));
    if (format !== undefined) {
      // No fmtp means the DTMF events 0-15 (RFC 4733, as RFC 2833 before it); saying so
      // explicitly costs nothing and some gateways want it. Otherwise echo the offer.
      const fmtp = m.fmtps.find((f) => f.format === format)?.parameters ?? '0-15';
      telephoneEvent = { format, fmtp };
    }
  }

  let ptime = clampPtime(offeredPtime(offer, m) ?? local.ptime ?? PTIME_DEFAULT);
  if (m.maxptime !== undefined && m.maxptime < ptime) ptime = clampPtime(m.maxptime);

  // RFC 3264 §6.1: sendonly is answered recvonly, recvonly sendonly, inactive inactive.
  const ours = mirror(directionOf(offer, m));
  // RFC 3264 §8.4: c=0.0.0.0 (the RFC 2543 hold) means "send nothing to me". We still
  // receive if the peer sends, and say so in the answer (narrowing is allowed by §6.1).
  if (isUnspecified(connection.address)) ours.send = false;
  const direction = directionFrom(ours);

  const payloadType = Number(codec.format);
  const formats = [codec.format];
  const answer = emptyMedia(m.media, local.port, m.proto, formats);
  answer.rtpmaps.push({ payloadType, encodingName: codec.name, clockRate: 8000 });
  let telephoneEventPayloadType: number | null = null;
  if (telephoneEvent !== undefined) {
    telephoneEventPayloadType = Number(telephoneEvent.format);
    formats.push(telephoneEvent.format);
    answer.rtpmaps.push({ payloadType: telephoneEventPayloadType, encodingName: 'telephone-event', clockRate: 8000 });
    answer.fmtps.push({ format: telephoneEvent.format, parameters: telephoneEvent.fmtp });
  }
  answer.ptime = ptime;
  answer.direction = direction;

  return ok({
    index,
    answer,
    media: {
      remoteAddress: connection.address,
      remotePort: m.port,
      codec: { name: codec.name, payloadType, clockRate: 8000 },
      telephoneEventPayloadType,
      ptime,
      direction,
      rtcpPort: m.rtcp?.port ?? (m.port < 65535 ? m.port + 1 : 0),
    },
  });
}

/**
 * Answers an offer: accepts the first usable audio stream with one G.711 codec (plus
 * telephone-event/8000 when offered and wanted) and rejects every other stream with
 * port 0, keeping the offer's number and order of m-lines.
 *
 * A stream is usable when it is `audio`, its port is not 0 (0 = disabled, RFC 3264
 * §5.1), its proto is RTP/AVP, a `c=` applies to it (media level, else session level)
 * with an IP address, and it offers PCMU or PCMA at 8000 Hz (static PT 0/8, or any PT
 * with such an rtpmap). Among accepted codecs the offerer's order wins (RFC 3264 §6.1
 * leaves the choice to us; following the offerer is what phones expect). An offer held
 * with `c=0.0.0.0`/`c=::` is accepted but we will not send (direction `recvonly` or
 * `inactive`), see RFC 3264 §8.4.
 *
 * @returns the answer and what to do with media, or a 488 with the reason of the first
 *   audio stream that could not be used.
 * @see RFC 3264 §6 (generating the answer), §6.1 (unicast streams), §8.4 (hold)
 */
export function answerOffer(
  offer: SessionDescription,
  local: LocalMediaCapabilities,
): Result<{ answer: SessionDescription; media: NegotiatedMedia }, OfferRejection> {
  let choice: AudioChoice | undefined;
  let firstReason: string | undefined;
  let sawAudio = false;
  for (const [index, m] of offer.media.entries()) {
    if (m.media.toLowerCase() !== 'audio') continue;
    sawAudio = true;
    if (m.port === 0) continue;
    const result = chooseAudio(offer, m, index, local);
    if (result.ok) {
      choice = result.value;
      break;
    }
    firstReason ??= result.error;
  }
  if (choice === undefined) {
    const reason = firstReason ?? (sawAudio ? 'every audio stream is disabled (port 0)' : 'no audio stream offered');
    return err({ status: 488, reason });
  }

  const picked = choice;
  const media = offer.media.map((m, index) =>
    index === picked.index
      ? picked.answer
      : // RFC 3264 §6: a rejected stream has port 0 and still at least one format,
        // which is ignored; the offer's list is as good as any.
        emptyMedia(m.media, 0, m.proto, m.formats.length > 0 ? [...m.formats] : ['0']),
  );
  return ok({ answer: localSession(local, media), media: picked.media });
}

/**
 * Makes our offer, for an INVITE that came without SDP: we offer in the 200 (or the
 * reliable 18x) and the answer comes in the ACK (RFC 3261 §13.2.1). One audio stream,
 * our codecs in our order with their static payload types, telephone-event as PT 101
 * when wanted, sendrecv.
 * @see RFC 3264 §5 (generating the initial offer)
 */
export function createOffer(local: LocalMediaCapabilities): SessionDescription {
  const codecs = [...new Set(local.codecs)];
  const formats = codecs.map((c) => String(STATIC_PAYLOAD_TYPES[c]));
  const m = emptyMedia('audio', local.port, 'RTP/AVP', formats);
  for (const c of codecs) m.rtpmaps.push({ payloadType: STATIC_PAYLOAD_TYPES[c], encodingName: c, clockRate: 8000 });
  if (local.telephoneEvent) {
    formats.push(String(OFFER_TELEPHONE_EVENT_PT));
    m.rtpmaps.push({ payloadType: OFFER_TELEPHONE_EVENT_PT, encodingName: 'telephone-event', clockRate: 8000 });
    m.fmtps.push({ format: String(OFFER_TELEPHONE_EVENT_PT), parameters: '0-15' });
  }
  m.ptime = clampPtime(local.ptime ?? PTIME_DEFAULT);
  m.direction = 'sendrecv';
  return localSession(local, [m]);
}

/**
 * Reads the peer's answer to our offer (from {@link createOffer}).
 *
 * Fails when the answer does not have as many m-lines as the offer (RFC 3264 §6),
 * rejects our audio stream (port 0), changes its media or proto, gives no usable `c=`,
 * or picks no G.711 codec we offered. The codec is the first one in the answer's list
 * that we offered (the answerer's preference, RFC 3264 §6.1); payload types are those
 * of our offer, which is what the peer sends us (RFC 3264 §5.1). telephone-event is
 * negotiated when both sides list telephone-event/8000.
 *
 * @returns what the media layer needs, or a reason (the UAS then sends BYE: an ACK
 *   cannot be refused).
 * @see RFC 3264 §5.1, §6, §6.1, §8.4
 */
export function acceptAnswer(offer: SessionDescription, answer: SessionDescription): Result<NegotiatedMedia, string> {
  if (answer.media.length !== offer.media.length) {
    return err(`answer has ${answer.media.length} m-lines, the offer had ${offer.media.length} (RFC 3264 §6)`);
  }
  const index = offer.media.findIndex((m) => m.media.toLowerCase() === 'audio' && m.port !== 0 && isPlainRtp(m));
  const ours = offer.media[index];
  const theirs = answer.media[index];
  if (ours === undefined || theirs === undefined) return err('our offer has no active RTP/AVP audio stream');
  if (theirs.media.toLowerCase() !== 'audio') return err(`answer has "${theirs.media}" where we offered audio`);
  if (theirs.port === 0) return err('answerer rejected the audio stream (port 0)');
  if (!isPlainRtp(theirs)) return err(`answer uses ${theirs.proto}, we offered ${ours.proto}`);
  const connection = connectionOf(answer, theirs);
  if (connection === undefined) return err('answer has no connection address (c=) for audio');
  if (isIP(connection.address) === 0) return err(`connection address "${connection.address}" is not an IP address`);

  const offered = new Map<string, number>();
  let ourTelephoneEvent: number | null = null;
  for (const format of ours.formats) {
    const enc = encodingOf(ours, format);
    const name = asG711(enc, ['PCMU', 'PCMA']);
    if (name !== undefined && !offered.has(name)) offered.set(name, Number(format));
    if (ourTelephoneEvent === null && isTelephoneEvent8000(enc)) ourTelephoneEvent = Number(format);
  }
  let codec: NegotiatedMedia['codec'] | undefined;
  let answeredTelephoneEvent = false;
  for (const format of theirs.formats) {
    const enc = encodingOf(theirs, format);
    const name = asG711(enc, ['PCMU', 'PCMA']);
    const payloadType = name === undefined ? undefined : offered.get(name);
    if (codec === undefined && name !== undefined && payloadType !== undefined) {
      codec = { name, payloadType, clockRate: 8000 };
    }
    if (isTelephoneEvent8000(enc)) answeredTelephoneEvent = true;
  }
  if (codec === undefined) return err(`answer has no G.711 codec we offered: [${theirs.formats.join(' ')}]`);

  // What we may do = what our offer allowed AND what the answer allows (mirrored).
  const offeredFlags = flagsOf(directionOf(offer, ours));
  const answeredFlags = mirror(directionOf(answer, theirs));
  const flags = { send: offeredFlags.send && answeredFlags.send, recv: offeredFlags.recv && answeredFlags.recv };
  if (isUnspecified(connection.address)) flags.send = false;

  return ok({
    remoteAddress: connection.address,
    remotePort: theirs.port,
    codec,
    telephoneEventPayloadType: answeredTelephoneEvent ? ourTelephoneEvent : null,
    ptime: clampPtime(theirs.ptime ?? ours.ptime ?? PTIME_DEFAULT),
    direction: directionFrom(flags),
    rtcpPort: theirs.rtcp?.port ?? (theirs.port < 65535 ? theirs.port + 1 : 0),
  });
}

function nextVersion(version: string): string {
  return /^\d{1,40}$/.test(version) ? (BigInt(version) + 1n).toString() : '1';
}

/**
 * Answers a new offer inside an existing dialog (re-INVITE, UPDATE).
 *
 * RFC 3264 §8: every SDP we send in a session keeps the `o=` line of the previous one,
 * except that the version goes up by one when anything changed; an unchanged version
 * promises identical SDP. So this negotiates afresh and returns `previousAnswer` itself
 * (same version) when the new answer would be identical, or the new answer under the
 * previous `o=` with version + 1 otherwise. The session id and username of `local` are
 * ignored: the previous `o=` rules.
 *
 * @param previousAnswer the last SDP we sent in this dialog (an answer, or our own
 *   offer when the call started without SDP).
 * @see RFC 3264 §8 (modifying the session)
 */
export function answerReoffer(
  previousAnswer: SessionDescription,
  offer: SessionDescription,
  local: LocalMediaCapabilities,
): Result<{ answer: SessionDescription; media: NegotiatedMedia }, OfferRejection> {
  const prev = previousAnswer.origin;
  const result = answerOffer(offer, { ...local, sessionId: prev.sessionId, username: prev.username });
  if (!result.ok) return result;
  const candidate: SessionDescription = { ...result.value.answer, origin: { ...prev } };
  if (serializeSdp(candidate) === serializeSdp(previousAnswer)) {
    return ok({ answer: previousAnswer, media: result.value.media });
  }
  candidate.origin.sessionVersion = nextVersion(prev.sessionVersion);
  return ok({ answer: candidate, media: result.value.media });
}
