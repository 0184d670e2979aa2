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
export type { ReferNotify, ReferOptions } from './user-agent/incoming-call.js';
export type { NameAddr } from './message/name-addr.js';
export { decodeUriPart, parseUri, type Uri, type SipUri, type AbsoluteUri } from './message/uri.js';
export { parseNameAddrList } from './message/name-addr-list.js';
export { parseDiversion, lastDiversion, firstDiversion, type DiversionEntry } from './message/diversion.js';
export { parseHistoryInfo, divertedFrom, type HistoryInfoEntry } from './message/history-info.js';
export { voicemailUriParams, uriCause, type VoicemailUriParams } from './message/voicemail-uri.js';
export { parseReason, type ReasonValue } from './message/reason-header.js';
export { sipfragStatus } from './message/sipfrag.js';
export {
  DigestAuthenticator,
  type DigestAuthenticatorOptions,
  type DigestFailure,
  type DigestVerifyResult,
} from './auth/digest-authenticator.js';
export { DIGEST_ALGORITHMS, digestHa1, digestResponse, type DigestAlgorithm, type DigestInput } from './auth/digest-algorithm.js';
export { parseDigestCredentials, type DigestCredentials } from './auth/credentials.js';
export { IncomingSubscription, type SubscriptionStatus } from './subscription/incoming-subscription.js';
export {
  ALLOW_EVENTS,
  DEFAULT_SUBSCRIPTION_LIMITS,
  EVENT_PACKAGES,
  type EventPackage,
  type NotifyBody,
  type StateReader,
  type SubscriptionApplication,
  type SubscriptionEndReason,
  type SubscriptionLimits,
} from './subscription/types.js';
export type { EventValue, TerminationReason } from './subscription/headers.js';
export { parseNotifyTarget, type NotifyTarget, type SendNotifyOptions } from './subscription/out-of-dialog-notify.js';
export {
  formatMessageSummary,
  parseMessageSummary,
  voiceMessageSummary,
  MESSAGE_CONTEXT_CLASSES,
  type MessageContextClass,
  type MessageCounts,
  type MessageSummary,
} from './message/message-summary.js';
