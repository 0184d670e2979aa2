/**
 * Who may leave messages. A PBX or trunk is trusted by its network (an allow-list of
 * CIDRs, each bound to a tenant) or by SIP digest credentials (RFC 8760: SHA-256 and
 * MD5), each account bound to a tenant. The tenant comes from *who sends*, never from
 * what the request claims, so one company's PBX can never deposit into another's boxes.
 *
 * The answer never depends on the mailbox named: an untrusted INVITE gets the same 403
 * (or the same 401 challenge when accounts exist) for every user, so nobody can probe
 * which mailboxes exist.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Clock } from '../../shared/clock.js';
import { DigestAuthenticator, type IncomingCall } from '../../sip/index.js';

export interface TrustedNetwork {
  readonly cidr: string;
  readonly tenant: string;
}

export interface DepositAccount {
  readonly username: string;
  readonly password: string;
  readonly tenant: string;
}

export interface AdmissionOptions {
  readonly networks: readonly TrustedNetwork[];
  readonly realm: string;
  readonly accounts: readonly DepositAccount[];
  readonly clock: Clock;
}

export type Admission =
  | { readonly ok: true; readonly tenantId: string; readonly by: 'network' | 'digest'; readonly username?: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly headers: readonly (readonly [string, string])[] };

interface NetworkRule {
  readonly list: BlockList;
  readonly tenant: string;
}

function ruleFor(n: TrustedNetwork): NetworkRule {
  const list = new BlockList();
  const slash = n.cidr.indexOf('/');
  const ip = slash < 0 ? n.cidr : n.cidr.slice(0, slash);
  const family = isIPv6(ip) ? 'ipv6' : 'ipv4';
  if (slash < 0) list.addAddress(ip, family);
  else list.addSubnet(ip, Number(n.cidr.slice(slash + 1)), family);
  return { list, tenant: n.tenant };
}

/** An IPv4-mapped IPv6 source (`::ffff:10.0.0.1`, dual-stack sockets) is matched as IPv4. */
function normaliseSource(address: string): { ip: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return { ip: mapped[1], family: 'ipv4' };
  return { ip: address, family: isIPv4(address) ? 'ipv4' : 'ipv6' };
}

export class DepositAdmission {
  private readonly rules: readonly NetworkRule[];
  private readonly accounts: ReadonlyMap<string, DepositAccount>;
  private readonly digest: DigestAuthenticator | null;

  constructor(options: AdmissionOptions) {
    this.rules = options.networks.map(ruleFor);
    this.accounts = new Map(options.accounts.map((a) => [a.username, a]));
    this.digest =
      options.accounts.length === 0
        ? null
        : new DigestAuthenticator({
            realm: options.realm,
            clock: options.clock,
            lookup: (username) => {
              const a = this.accounts.get(username);
              return a ? { password: a.password } : null;
            },
          });
  }

  /** The tenant of the first trusted network holding `address`, or null (also used for MWI subscribers). */
  tenantOfAddress(address: string): string | null {
    const { ip, family } = normaliseSource(address);
    // First matching rule wins: the operator orders them from specific to general.
    for (const r of this.rules) {
      if (r.list.check(ip, family)) return r.tenant;
    }
    return null;
  }

  /** Decide for one INVITE: the tenant it deposits into, or the response to refuse it with. */
  admit(call: IncomingCall): Admission {
    const byNetwork = this.tenantOfAddress(call.source.remoteAddress);
    if (byNetwork !== null) return { ok: true, tenantId: byNetwork, by: 'network' };
    if (!this.digest) return { ok: false, status: 403, headers: [] };
    const v = this.digest.verify(call.request);
    if (v.ok) {
      const account = this.accounts.get(v.username);
      if (account) return { ok: true, tenantId: account.tenant, by: 'digest', username: v.username };
    }
    const stale = !v.ok && v.reason === 'stale';
    return { ok: false, status: 401, headers: this.digest.challenge(stale) };
  }
}
