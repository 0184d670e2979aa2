/** Public API of the RTP layer (see README.md). */
export { PortAllocator, type PortAllocationError, type PortAllocatorOptions, type PortPair, type RtpSocketKind } from './port-allocator.js';
export {
  RtpSession,
  type AudioFrame,
  type RtpEndpoint,
  type RtpSessionError,
  type RtpSessionOptions,
  type RtpSessionStats,
  type TelephoneEventPacket,
} from './rtp-session.js';
export { onReceiveBatchEnd } from './native-rtp-socket.js';
export { ReorderBuffer, type ReorderBufferOptions, type ReorderStats } from './reorder-buffer.js';
export {
  parseRtp,
  parseRtpInto,
  serializeRtp,
  writeRtpHeader,
  isVersion2,
  newRtpPacketView,
  RTP_HEADER_BYTES,
  type RtpPacket,
  type RtpPacketView,
  type RtpHeaderFields,
  type RtpParseError,
} from './packet.js';
export { parseRtcp, type RtcpPacket, type RtcpReportBlock, type RtcpParseError } from './rtcp.js';
export { seqDiff, isNewerSeq, tsDiff, isNewerTs, addSeq, addTs, RtpReceiverStats } from './sequence.js';
