/**
 * Message-waiting indication (RFC 3842): subscriptions (MwiService, the SIP stack's
 * SubscriptionApplication) and the outbox channel `mwi` (MwiSender).
 */
export { MwiService, type MwiServiceOptions } from './mwi-service.js';
export { MwiSender, MWI_SUBSCRIBERS, classifyNotifyStatus, type MwiNotifier, type MwiSenderOptions } from './mwi-sender.js';
export { readMailboxCounts } from './mwi-counts.js';
export { messageAccount } from './message-account.js';
