/**
 * The SIP application of Voxmail: every INVITE is admitted (trusted network or digest
 * account → tenant), routed to a mailbox (Request-URI, RFC 4458, Diversion,
 * History-Info), and handed to the flow its greeting mode asks for. Keeps the set of
 * calls in progress so that a shutdown can wait for their messages to be stored.
 */
import { lazyChild, type Logger } from '../../shared/logger.js';
import type { IncomingCall, SipApplication } from '../../sip/index.js';
import type { DepositService } from '../deposit/deposit-service.js';
import { announceAndRelease } from '../flows/announce.js';
import type { FlowContext, FlowPrompts } from '../flows/flow-context.js';
import { leaveMessage } from '../flows/leave-message.js';
import type { Mailbox } from '../model.js';
import type { VoicemailStore } from '../ports.js';
import { describeDeposit, greetingReasonFor, normalizeNumber } from '../routing/index.js';
import type { DepositAdmission } from './admission.js';
import { CallSession, type MediaEnvironment } from './call-session.js';

export interface VoicemailAppOptions {
  readonly store: VoicemailStore;
  readonly deposits: DepositService;
  readonly admission: DepositAdmission;
  readonly media: MediaEnvironment;
  readonly prompts: FlowPrompts;
  readonly logger: Logger;
}

export class VoicemailApplication implements SipApplication {
  private readonly active = new Set<Promise<void>>();

  constructor(private readonly options: VoicemailAppOptions) {}

  onInvite(call: IncomingCall): void {
    const run = this.handle(call)
      .catch((e: unknown) => {
        call.log.error({ err: e }, 'call flow failed');
        if (call.state === 'incoming' || call.state === 'early') call.reject(500);
        else call.hangup();
      })
      .finally(() => this.active.delete(run));
    this.active.add(run);
  }

  /** Calls in progress (for shutdown and metrics). */
  get activeCalls(): number {
    return this.active.size;
  }

  /** Resolves when every call in progress has finished storing what it recorded. */
  async drain(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
  }

  private async handle(call: IncomingCall): Promise<void> {
    const { admission, media, deposits, prompts } = this.options;
    const admitted = admission.admit(call);
    if (!admitted.ok) {
      call.log.info({ status: admitted.status, source: call.source.remoteAddress }, 'INVITE not admitted');
      call.reject(admitted.status, { headers: admitted.headers });
      return;
    }
    const routing = describeDeposit(call.request);
    const mailbox = await this.findMailbox(admitted.tenantId, routing.candidates);
    if (call.state === 'terminated') return;
    if (!mailbox) {
      call.log.info({ tenant: admitted.tenantId, candidates: routing.candidates }, 'no mailbox for this call');
      call.reject(404);
      return;
    }
    const log = lazyChild(call.log, { tenant: mailbox.tenantId, mailbox: mailbox.id });
    const opened = await CallSession.open(call, media, log);
    if (!opened.ok) {
      // An overload refusal is logged by the media engine, once per 10 s, not per call.
      if (opened.error.overloaded) log.debug({ status: opened.error.status }, 'call refused: media overloaded');
      else log.warn({ status: opened.error.status, reason: opened.error.reason }, 'cannot take the call');
      call.reject(opened.error.status, opened.error.headers ? { headers: opened.error.headers } : {});
      return;
    }
    const session = opened.value;
    try {
      const greetingReason = greetingReasonFor(routing.reason);
      const ctx: FlowContext = {
        session,
        mailbox,
        caller: {
          callerNumber: routing.callerNumber,
          callerName: routing.callerName,
          calledNumber: routing.calledNumber,
          reason: routing.reason,
          callId: call.callId,
        },
        greetingReason,
        deposits,
        prompts,
        log,
      };
      const mode = mailbox.greetings[greetingReason].mode;
      log.info({ reason: routing.reason, mode, caller: routing.callerNumber }, 'call for mailbox');
      // Without an operator, the operator modes fall back to leaving a message.
      if (mode === 'call-later' || ((mode === 'stay-on-line' || mode === 'wait-operator') && mailbox.operatorUri !== null)) {
        await announceAndRelease(ctx, mode);
      } else {
        await leaveMessage(ctx);
      }
    } finally {
      await session.close();
    }
  }

  /** Each candidate is tried as a mailbox id, then as a routed number, within the tenant. */
  private async findMailbox(tenantId: string, candidates: readonly string[]): Promise<Mailbox | null> {
    const { mailboxes } = this.options.store;
    for (const c of candidates) {
      const byId = await mailboxes.get(tenantId, c);
      if (byId) return byId;
      const number = normalizeNumber(c);
      if (number !== '') {
        const byNumber = await mailboxes.findByNumber(tenantId, number);
        if (byNumber) return byNumber;
      }
    }
    return null;
  }
}
