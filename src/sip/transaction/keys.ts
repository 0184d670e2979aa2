import type { SipMessage, SipRequest } from '../message/types.js';
import { MAGIC_COOKIE } from '../message/via.js';

/**
 * Transaction matching keys.
 *
 * RFC 3261 §17.2.3: with an RFC 3261 branch (magic cookie + something unique), a request
 * matches a server transaction by branch, sent-by and method, where ACK matches INVITE.
 * A branch that is missing, lacks the cookie, or is the bare cookie (RFC 4475 §3.2.1)
 * falls back to RFC 2543-style matching on Call-ID, CSeq number, From tag and top Via.
 */
export function serverKey(req: SipRequest): string {
  const top = req.via[0]!;
  const method = req.method === 'ACK' ? 'INVITE' : req.method;
  const b = top.branch;
  if (b !== null && b.length > MAGIC_COOKIE.length && b.startsWith(MAGIC_COOKIE)) {
    return `3261|${b}|${top.host.toLowerCase()}:${top.port ?? ''}|${method}`;
  }
  return `2543|${req.callId}|${req.cseq.seq}|${req.from.params.get('tag') ?? ''}|${top.host.toLowerCase()}:${top.port ?? ''}|${method}`;
}

/** The INVITE server transaction a CANCEL refers to (§9.2): same key, method INVITE. */
export function cancelTargetKey(cancel: SipRequest): string {
  return serverKey({ ...cancel, method: 'INVITE' });
}

/** RFC 3261 §17.1.3: a response matches a client transaction by top Via branch + CSeq method. */
export function clientKey(branch: string, method: string): string {
  return `${branch}|${method === 'ACK' ? 'INVITE' : method}`;
}

export function clientKeyOf(msg: SipMessage): string | null {
  const b = msg.via[0]?.branch;
  return b ? clientKey(b, msg.cseq.method) : null;
}

/** §8.2.2.2 merged requests: same From tag, Call-ID and CSeq, arriving with another branch. */
export function mergeKey(req: SipRequest): string | null {
  if (req.to.params.has('tag')) return null;
  const ft = req.from.params.get('tag');
  return ft ? `${ft}|${req.callId}|${req.cseq.seq}|${req.cseq.method}` : null;
}
