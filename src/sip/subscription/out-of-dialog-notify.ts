import { isIP, isIPv6 } from 'node:net';
import { err, ok, type Result } from '../../shared/result.js';
import { newBranch, newTag, randomToken } from '../message/build.js';
import { SipHeaders } from '../message/headers.js';
import { bareHost, parseUri } from '../message/uri.js';
import type { BoundAddress, Destination, MessageSource, TransportProtocol } from '../transport/types.js';
import { contactValue } from './headers.js';
import { requestStatus } from './request-status.js';
import { EVENT_PACKAGES, type NotifyBody, type SubscriptionHost } from './types.js';

/**
 * Unsolicited NOTIFY: state sent to a configured endpoint outside any subscription or
 * dialog, as PBXs do for message-waiting lamps of phones that never subscribe (RFC 3842
 * §3.8 describes the subscribed case; phones take the same request without a dialog).
 * The target is a `sip:` URI with an IP literal host (no RFC 3263 DNS): port 5060 by
 * default, UDP unless `;transport=tcp`.
 */

export interface SendNotifyOptions {
  /** The event package, e.g. `message-summary`; its content type is used for the body. */
  readonly event: string;
  /** Content-Type when the package is not one we serve. */
  readonly contentType?: string;
  /** User part of our From URI (e.g. the mailbox); default `voxmail`. */
  readonly fromUser?: string;
  /**
   * Subscription-State; default `active`, which is what phones expect of an
   * unsolicited message-summary NOTIFY (Asterisk's res_pjsip_mwi sends the same).
   */
  readonly subscriptionState?: string;
}

export interface NotifyTarget {
  readonly requestUri: string;
  readonly transport: TransportProtocol;
  readonly address: string;
  readonly port: number;
}

/** Check a target URI: sip scheme, IP literal host, no URI headers. */
export function parseNotifyTarget(uri: string): Result<NotifyTarget> {
  const u = parseUri(uri.trim());
  if (!u.ok) return err(`not a URI: ${u.error}`);
  if (u.value.kind !== 'sip' || u.value.scheme !== 'sip') return err('only sip: URIs can be notified');
  if (u.value.headers !== null) return err('the URI may not carry headers');
  const address = bareHost(u.value.host);
  if (isIP(address) === 0) return err('the host must be an IP address (no DNS lookups)');
  const tp = u.value.params.get('transport')?.toLowerCase() ?? 'udp';
  if (tp !== 'udp' && tp !== 'tcp') return err(`transport ${tp} is not supported`);
  return ok({ requestUri: u.value.raw, transport: tp, address, port: u.value.port ?? 5060 });
}

/**
 * Send one NOTIFY outside a dialog and resolve with its final status (408 on timeout).
 * Rejects (RangeError) when the URI is not one we can send to, or the package unknown.
 */
export function sendOutOfDialogNotify(
  host: SubscriptionHost & { readonly boundAddresses: readonly BoundAddress[] },
  uri: string,
  body: NotifyBody,
  options: SendNotifyOptions,
): Promise<{ status: number }> {
  const t = parseNotifyTarget(uri);
  if (!t.ok) return Promise.reject(new RangeError(`sendNotify(${uri}): ${t.error}`));
  const contentType = options.contentType ?? EVENT_PACKAGES.get(options.event)?.contentType;
  if (contentType === undefined) return Promise.reject(new RangeError(`sendNotify(): no content type for event ${options.event}`));
  const state = options.subscriptionState ?? 'active';
  // Nothing the caller passes may break out of its header line.
  if (!/^[a-z0-9!%*_+`'~.-]+$/i.test(options.event) || !/^[A-Za-z0-9._%+-]*$/.test(options.fromUser ?? '') || !/^[\x21-\x7e][\x20-\x7e]*$/.test(state)) {
    return Promise.reject(new RangeError('sendNotify(): bad event, fromUser or subscriptionState'));
  }
  const v6 = isIPv6(t.value.address);
  const bound = host.boundAddresses.find((b) => b.transport === t.value.transport && isIPv6(b.host) === v6);
  if (!bound) return Promise.reject(new RangeError(`sendNotify(${uri}): not listening on ${t.value.transport} for that address family`));
  const flow: MessageSource = {
    transport: t.value.transport,
    remoteAddress: t.value.address,
    remotePort: t.value.port,
    localAddress: bound.host,
    localPort: bound.port,
    connectionId: null,
  };
  const me = host.localContactAddress(flow);
  const hostText = me.host.includes(':') ? `[${me.host}]` : me.host;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const branch = newBranch();
  const h = new SipHeaders();
  h.append('Via', `SIP/2.0/${me.transport.toUpperCase()} ${hostText}:${String(me.port)};branch=${branch};rport`);
  h.append('Max-Forwards', '70');
  h.append('From', `<sip:${options.fromUser || 'voxmail'}@${hostText}>;tag=${newTag()}`);
  h.append('To', `<${t.value.requestUri}>`);
  h.append('Call-ID', randomToken(15));
  h.append('CSeq', '1 NOTIFY');
  h.append('Contact', contactValue(me, options.fromUser || null));
  h.append('Event', options.event);
  h.append('Subscription-State', state);
  if (bytes.length > 0) h.append('Content-Type', contentType);
  h.append('User-Agent', host.userAgent);
  const destination: Destination = { transport: t.value.transport, address: t.value.address, port: t.value.port, localAddress: bound.host, localPort: bound.port, connectionId: null };
  return requestStatus(host, { method: 'NOTIFY', requestUri: t.value.requestUri, headers: h, body: bytes, branch }, destination).then((status) => ({ status }));
}
