/**
 * What every call flow is given: the call, the mailbox it reached, who called and why,
 * and the services to play prompts and store the message. Flows are plain async
 * functions over this context — small steps, each ending when the call does.
 */
import type { Logger } from '../../shared/logger.js';
import type { CallSession } from '../call/call-session.js';
import type { CallerInfo, DepositService } from '../deposit/deposit-service.js';
import type { GreetingReason, Mailbox } from '../model.js';

/** Phrases a flow can say besides the greeting and the warning (built-in or overridden). */
export type FlowPhrase = 'call-later' | 'stay-on-line' | 'wait-operator' | 'message-saved' | 'goodbye' | 'mailbox-full' | 'message-too-long';

/** The audio a flow plays, already resolved to the mailbox's language and overrides. */
export interface FlowPrompts {
  /** The owner's recorded greeting for the reason, or the standard phrase for it. */
  greeting(mailbox: Mailbox, reason: GreetingReason): Promise<Int16Array>;
  /** The warning before the beep; null when the mailbox's warning mode is "none". */
  warning(mailbox: Mailbox): Promise<Int16Array | null>;
  phrase(mailbox: Mailbox, name: FlowPhrase): Promise<Int16Array>;
  readonly beep: Int16Array;
}

export interface FlowContext {
  readonly session: CallSession;
  readonly mailbox: Mailbox;
  readonly caller: CallerInfo;
  readonly greetingReason: GreetingReason;
  readonly deposits: DepositService;
  readonly prompts: FlowPrompts;
  readonly log: Logger;
}
