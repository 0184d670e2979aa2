/**
 * The webhook channel: signed JSON POSTs of voicemail events (docs/webhooks.md).
 * `verifyWebhookSignature` is exported for integrators' receivers and our tests.
 */
export { WebhookSender, webhookHeaders, type WebhookSenderOptions } from './webhook-sender.js';
export { computeSignature, DEFAULT_TOLERANCE_SECONDS, signatureHeader, verifyWebhookSignature } from './signature.js';
export {
  buildWebhookBody,
  type WebhookBody,
  type WebhookData,
  type WebhookFailedNotification,
  type WebhookMailbox,
  type WebhookMessage,
  type WebhookMissedCall,
} from './body.js';
export { classifyStatus, type StatusClass } from './classify.js';
