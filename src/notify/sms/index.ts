/**
 * The SMS channel (`ChannelSender` for 'sms'): SmppSender (SMPP 3.4 SMSC), HttpSmsSender
 * (generic HTTP gateway) and FileSmsSender (the embedded default: files in a directory).
 * The composition root picks one; the rest is internal to this folder.
 */
export { SmppSender, type SmppSenderOptions } from './smpp-sender.js';
export { HttpSmsSender, type HttpSmsSenderOptions } from './http-sms-sender.js';
export { FileSmsSender, type FileSmsSenderOptions, type SmsFileRecord } from './file-sms-sender.js';
export { SmsChannelSender, prepareSms, normalizeSmsNumber, type OutgoingSms, type SendTextOptions } from './sms-channel.js';
export { smsText } from './sms-text.js';
export type { SmsReceipt, ReceiptState } from './receipt.js';
export { parseSmppUrl, redactSmppUrl, type BindMode, type SmppEndpoint } from './smpp-url.js';
export { segmentSms, type SegmentedSms, type SmsPart, type SmsCoding } from './segments.js';
