/**
 * Public face of the SIP stack. Other modules import from here only.
 */
export { SipStack, notFoundApplication, type SipApplication } from './user-agent/sip-stack.js';
export { IncomingCall, type CallEndReason, type CallState } from './user-agent/incoming-call.js';
export type { SipStackOptions, SipLimits, SipTimerValues, SipListenAddress } from './options.js';
export { DEFAULT_SIP_LIMITS, DEFAULT_SIP_TIMERS } from './options.js';
export type { SipRequest, SipResponse, SipMessage } from './message/types.js';
export type { BoundAddress, MessageSource } from './transport/types.js';
export * from './sdp/index.js';
