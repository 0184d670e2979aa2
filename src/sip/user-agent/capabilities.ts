/**
 * What our user agent serves and understands. Used in Allow/Accept/Supported of OPTIONS
 * answers and 405/415/420 responses (RFC 3261 §8.2, §11).
 */

/** Methods we handle. */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'INFO', 'UPDATE', 'NOTIFY'] as const;

/** Methods defined by SIP RFCs that we recognise but do not serve: 405 (§8.2.1). */
export const KNOWN_METHODS = new Set([
  ...ALLOWED_METHODS,
  'REGISTER', // RFC 3261
  'PRACK', // RFC 3262
  'SUBSCRIBE', // RFC 6665
  'NOTIFY', // RFC 6665
  'PUBLISH', // RFC 3903
  'MESSAGE', // RFC 3428
  'REFER', // RFC 3515
]);

export const ALLOW_HEADER = ALLOWED_METHODS.join(', ');

/** Methods served only while a subscription application is set (RFC 6665 notifier). */
export const SUBSCRIPTION_METHODS: readonly string[] = ['SUBSCRIBE'];

/** The Allow header while subscriptions are served (RFC 6665 §4.1.1: SUBSCRIBE in Allow announces it). */
export const ALLOW_HEADER_WITH_SUBSCRIBE = [...ALLOWED_METHODS, ...SUBSCRIPTION_METHODS].join(', ');

/** Extensions we support (option tags usable in Require). */
export const SUPPORTED_EXTENSIONS: readonly string[] = [];

/** Bodies we understand, per method that carries one we act on. */
export const ACCEPTED_BODIES: Readonly<Record<string, readonly string[]>> = {
  INVITE: ['application/sdp', 'multipart/mixed'],
  UPDATE: ['application/sdp', 'multipart/mixed'],
  ACK: ['application/sdp', 'multipart/mixed'],
  INFO: ['application/dtmf-relay', 'application/dtmf'],
};

/** The Accept header of OPTIONS answers. */
export const ACCEPT_HEADER = 'application/sdp, application/dtmf-relay, application/dtmf, multipart/mixed';
