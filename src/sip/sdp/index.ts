/**
 * SDP: parse and write session descriptions (RFC 4566) and run offer/answer for our
 * audio-only UAS (RFC 3264). See README.md in this folder for what it does not do.
 */
export { parseSdp, serializeSdp, SDP_LIMITS } from './session-description.js';
export type {
  MediaDescription,
  MediaDirection,
  SdpAttribute,
  SdpBandwidth,
  SdpConnection,
  SdpFmtp,
  SdpLine,
  SdpOrigin,
  SdpRtcp,
  SdpRtpMap,
  SdpTiming,
  SessionDescription,
} from './session-description.js';
export { acceptAnswer, answerOffer, answerReoffer, createOffer } from './negotiate.js';
export type { G711Codec, LocalMediaCapabilities, NegotiatedMedia, OfferRejection } from './negotiate.js';
export { capabilitiesOf } from './capabilities-of.js';
