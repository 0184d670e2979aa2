import { isIP } from 'node:net';
import { bareHost } from '../message/uri.js';
import type { Via } from '../message/via.js';
import type { Destination, MessageSource } from './types.js';

/**
 * What the server transport writes into the top Via of a received request
 * (RFC 3261 §18.2.1, RFC 3581 §4): `received` when the sent-by host is not the source
 * address, and `rport` filled in with the source port when the client asked for it.
 */
export function stampVia(via: Via, source: MessageSource): Via {
  const wantsRport = via.params.has('rport');
  // The common case (sent-by is the source address, no rport): nothing to add, no copy.
  if (!wantsRport && bareHost(via.host) === source.remoteAddress) return via;
  const params = new Map(via.params);
  params.set('received', source.remoteAddress);
  if (wantsRport) params.set('rport', String(source.remotePort));
  return { ...via, params };
}

/**
 * Where a response goes (RFC 3261 §18.2.2 with RFC 3581):
 * - reliable transport: the connection the request came on (the TCP layer reopens one
 *   to the source if it is gone);
 * - unreliable: `received` address and the `rport` port when present; otherwise the
 *   sent-by port (default 5060) — unless `forceRport`, which always uses the source port.
 * `maddr` is deliberately ignored: sending to an address named in an untrusted message
 * would make us a reflector (RFC 4475 §3.3.10 warns about broadcast Via values).
 * Responses always leave from the socket the request arrived on.
 */
export function responseDestination(via: Via, source: MessageSource, forceRport: boolean): Destination {
  const base = {
    transport: source.transport,
    localAddress: source.localAddress,
    localPort: source.localPort,
    connectionId: source.connectionId,
  };
  if (source.transport === 'tcp' || forceRport || via.params.has('rport')) {
    return { ...base, address: source.remoteAddress, port: source.remotePort };
  }
  const received = via.params.get('received');
  const address = received ? bareHost(received) : isIP(bareHost(via.host)) ? bareHost(via.host) : source.remoteAddress;
  return { ...base, address, port: via.port ?? 5060 };
}
