import { isIP } from 'node:net';
import { newBranch } from '../message/build.js';
import { SipHeaders } from '../message/headers.js';
import { parseNameAddr } from '../message/name-addr.js';
import { splitList } from '../message/params.js';
import type { SipRequest } from '../message/types.js';
import { bareHost, parseUri } from '../message/uri.js';
import type { ClientRequest } from '../transaction/client-transaction.js';
import type { Destination, MessageSource, TransportProtocol } from '../transport/types.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

/** Dialog id (RFC 3261 §12): Call-ID, local tag, remote tag. */
export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

/**
 * The state of one dialog, UAS side (RFC 3261 §12.1.1): route set from Record-Route in
 * order, remote target from Contact, remote CSeq for ordering, local CSeq for requests
 * we send (BYE, re-INVITE later, NOTIFY). Knows how to address an in-dialog request
 * (§12.2.1.1) but does not send it: the user agent core does.
 */
export class Dialog {
  state: DialogState = 'early';
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** Our From value in requests we send (the INVITE's To + our tag). */
  readonly localParty: string;
  /** Their From value (the INVITE's From, with its tag). */
  readonly remoteParty: string;
  readonly routeSet: readonly string[];
  remoteTarget: string;
  remoteSeq: number;
  localSeq: number;
  /** The flow the dialog was created on: the fallback destination for our requests. */
  readonly flow: MessageSource;

  constructor(invite: SipRequest, localTag: string, flow: MessageSource) {
    this.callId = invite.callId;
    this.localTag = localTag;
    this.remoteTag = invite.from.params.get('tag') ?? '';
    this.localParty = invite.to.params.has('tag') ? invite.to.raw : `${invite.to.raw};tag=${localTag}`;
    this.remoteParty = invite.from.raw;
    const routes: string[] = [];
    for (const field of invite.headers.getAll('record-route')) {
      const parts = splitList(field);
      if (parts.ok) routes.push(...parts.value);
    }
    this.routeSet = routes;
    this.remoteTarget = contactUri(invite) ?? (invite.from.uri.raw);
    this.remoteSeq = invite.cseq.seq;
    // Our CSeq space is independent of theirs (§12.1.1): start anywhere below 2^31.
    this.localSeq = 1 + Math.floor(Math.random() * 10_000);
    this.flow = flow;
  }

  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  /**
   * §12.2.2: a request with a lower CSeq than the last one is out of order (500).
   * ACK and CANCEL carry the INVITE's number and are not checked.
   */
  acceptRemoteSeq(req: SipRequest): boolean {
    if (req.method === 'ACK' || req.method === 'CANCEL') return true;
    if (req.cseq.seq <= this.remoteSeq) return false;
    this.remoteSeq = req.cseq.seq;
    return true;
  }

  /**
   * Build an in-dialog request and where to send it (§12.2.1.1): loose routing puts the
   * remote target in the Request-URI and the route set in Route; a strict first route
   * becomes the Request-URI. Hostnames are not resolved (no RFC 3263 DNS yet): such a
   * next hop falls back to the flow the dialog came on.
   */
  buildRequest(method: string, via: { transport: TransportProtocol; host: string; port: number }, extra: Iterable<readonly [string, string]> = [], body = Buffer.alloc(0)): { request: ClientRequest; destination: Destination } {
    let requestUri = this.remoteTarget;
    let routes = [...this.routeSet];
    let nextHop = requestUri;
    const first = routes[0];
    if (first !== undefined) {
      const na = parseNameAddr(first);
      const firstUri = na.ok && na.value.uri.kind === 'sip' ? na.value.uri : null;
      if (firstUri && !firstUri.params.has('lr')) {
        // Strict routing (RFC 2543 proxy): first route becomes the Request-URI.
        requestUri = firstUri.raw;
        routes = [...routes.slice(1), `<${this.remoteTarget}>`];
      }
      nextHop = firstUri ? firstUri.raw : nextHop;
    }
    const seq = method === 'ACK' || method === 'CANCEL' ? this.localSeq : ++this.localSeq;
    const branch = newBranch();
    const h = new SipHeaders();
    const viaHost = via.host.includes(':') ? `[${via.host}]` : via.host;
    h.append('Via', `SIP/2.0/${via.transport.toUpperCase()} ${viaHost}:${via.port};branch=${branch};rport`);
    for (const r of routes) h.append('Route', r);
    h.append('Max-Forwards', '70');
    h.append('From', this.localParty);
    h.append('To', this.remoteParty);
    h.append('Call-ID', this.callId);
    h.append('CSeq', `${seq} ${method}`);
    for (const [n, v] of extra) h.append(n, v);
    return { request: { method, requestUri, headers: h, body, branch }, destination: this.destinationFor(nextHop) };
  }

  private destinationFor(uriText: string): Destination {
    const u = parseUri(uriText);
    const flow = this.flow;
    const fallback: Destination = {
      transport: flow.transport,
      address: flow.remoteAddress,
      port: flow.remotePort,
      localAddress: flow.localAddress,
      localPort: flow.localPort,
      connectionId: flow.connectionId,
    };
    if (!u.ok || u.value.kind !== 'sip') return fallback;
    const host = bareHost(u.value.host);
    if (isIP(host) === 0) return fallback;
    const tp = u.value.params.get('transport')?.toLowerCase();
    const transport: TransportProtocol = tp === 'tcp' ? 'tcp' : tp === 'udp' ? 'udp' : flow.transport;
    return {
      transport,
      address: host,
      port: u.value.port ?? 5060,
      localAddress: flow.localAddress,
      localPort: flow.localPort,
      connectionId: transport === flow.transport ? flow.connectionId : null,
    };
  }
}

function contactUri(req: SipRequest): string | null {
  const c = req.headers.get('contact');
  if (c === undefined) return null;
  const parts = splitList(c);
  if (!parts.ok || parts.value[0] === undefined) return null;
  const na = parseNameAddr(parts.value[0]);
  return na.ok ? na.value.uri.raw : null;
}

/** Update the remote target from a target-refresh request's Contact (re-INVITE, UPDATE; §12.2.2). */
export function refreshedTarget(req: SipRequest): string | null {
  return contactUri(req);
}
