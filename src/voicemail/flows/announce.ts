/**
 * The modes in which the call is never answered: "call later" and "stay on the line" /
 * "wait for the operator". The greeting and the phrase play as early media (183 with
 * SDP), then a final response ends the call: 480 for call-later, 302 to the operator
 * for the others. The caller is never charged for an answered call.
 */
import type { GreetingMode } from '../model.js';
import type { FlowContext } from './flow-context.js';

const PHRASE = { 'call-later': 'call-later', 'stay-on-line': 'stay-on-line', 'wait-operator': 'wait-operator' } as const;

export async function announceAndRelease(ctx: FlowContext, mode: Exclude<GreetingMode, 'leave-message'>): Promise<void> {
  const { session, mailbox, prompts, deposits, caller } = ctx;
  const toOperator = mode !== 'call-later' && mailbox.operatorUri !== null;
  // An INVITE without SDP would need our offer in a reliable 183 (PRACK): skip the announcement.
  if (session.call.offer !== null && session.startEarlyMedia()) {
    const audio = [await prompts.greeting(mailbox, ctx.greetingReason), await prompts.phrase(mailbox, PHRASE[mode])];
    const r = await session.play(audio);
    if (r.kind === 'hangup') {
      if (!toOperator) await deposits.missedCall(mailbox, caller, 'call-later', new Date());
      return;
    }
  }
  if (toOperator && mailbox.operatorUri !== null) {
    ctx.log.info({ operator: mailbox.operatorUri }, 'redirecting the caller to the operator (302)');
    session.reject(302, [['Contact', `<${mailbox.operatorUri}>`]]);
    return;
  }
  session.reject(480);
  await deposits.missedCall(mailbox, caller, 'call-later', new Date());
}
