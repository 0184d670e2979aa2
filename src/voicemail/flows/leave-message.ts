/**
 * "Leave a message": answer, greeting, warning, beep, record, store.
 *
 *   greeting + warning  (`#` skips to the beep; `0` goes to the operator when there is one)
 *   beep
 *   recording           ends on hang-up (kept), `#` ("message saved"), silence ("goodbye"),
 *                       max length ("maximum length reached"), `0` (operator)
 *   store               message, or a missed-call record when too short / hung up before the beep
 *
 * The message is stored before the caller is told it was saved.
 */
import type { DtmfDigit, RecordingEndReason, RecordingResult } from '../../media/index.js';
import type { DepositOutcome } from '../deposit/deposit-service.js';
import type { FlowContext, FlowPhrase } from './flow-context.js';
import { transferToOperator } from './transfer.js';


type StopCause = 'hangup' | 'dtmf' | 'operator' | 'silence' | 'max-duration' | 'error';

export async function leaveMessage(ctx: FlowContext): Promise<void> {
  const { session, mailbox, prompts, deposits, caller, log } = ctx;
  if (await deposits.isFull(mailbox)) {
    await mailboxFull(ctx);
    return;
  }
  if (!(await session.answer())) {
    await deposits.missedCall(mailbox, caller, 'hangup-before-beep', new Date());
    return;
  }
  const hasOperator = mailbox.operatorUri !== null;
  const skipKeys: DtmfDigit[] = hasOperator ? ['#', '0'] : ['#'];
  const greeting = await prompts.greeting(mailbox, ctx.greetingReason);
  const warning = await prompts.warning(mailbox);
  const intro = await session.play(warning ? [greeting, warning] : [greeting], skipKeys);
  if (intro.kind === 'digit' && intro.digit === '0' && (await transferToOperator(ctx))) return;
  if (intro.kind === 'hangup' || (await session.play([prompts.beep])).kind === 'hangup') {
    await deposits.missedCall(mailbox, caller, 'hangup-before-beep', new Date());
    return;
  }

  const { deposit, path } = deposits.prepare(mailbox, caller, new Date());
  // The recorder starts at once (the caller speaks right after the beep); the pending row
  // is committed meanwhile, long before the recorder's first write a second later.
  const recorded = record(ctx, path, hasOperator);
  try {
    await deposits.begin(deposit);
  } catch (e) {
    log.error({ err: e, deposit: deposit.id }, 'could not register the recording; it is not kept');
    // Hang up first: the recording step waits for a reason to stop, and the BYE is one.
    session.hangup();
    await recorded.catch(() => undefined);
    await deposits.missedCall(mailbox, caller, 'recording-failed', new Date(), deposit).catch(() => undefined);
    return;
  }
  const { cause, recording } = await recorded;
  let outcome: DepositOutcome | null = null;
  if (recording === null) {
    // The disk failed under the recorder: what reached it stays pending for recovery.
    log.error({ deposit: deposit.id }, 'recording failed; the partial audio is recovered at the next start');
  } else {
    try {
      outcome = await deposits.complete(deposit, recording);
    } catch (e) {
      log.error({ err: e, deposit: deposit.id }, 'storing the message failed; the next start recovers it');
    }
  }
  log.info({ cause, stored: outcome?.kind ?? 'failed', durationMs: recording?.durationMs }, 'recording ended');
  if (session.ended.aborted) return;
  if (cause === 'operator' && (await transferToOperator(ctx))) return;
  await sayAndHangUp(ctx, closingPhrase(cause, outcome));
}

function closingPhrase(cause: StopCause, outcome: DepositOutcome | null): FlowPhrase {
  if (cause === 'max-duration') return 'message-too-long';
  if (cause === 'dtmf' && outcome?.kind === 'message') return 'message-saved';
  return 'goodbye';
}

async function sayAndHangUp(ctx: FlowContext, phrase: FlowPhrase): Promise<void> {
  await ctx.session.play([await ctx.prompts.phrase(ctx.mailbox, phrase)]);
  ctx.session.hangup();
}

/** Record until the caller hangs up, presses `#` (or `0`), falls silent or reaches the limit. */
async function record(ctx: FlowContext, path: string, hasOperator: boolean): Promise<{ cause: StopCause; recording: RecordingResult | null }> {
  const { session, mailbox, log } = ctx;
  let settle: (c: StopCause) => void = () => undefined;
  const stopped = new Promise<StopCause>((resolve) => (settle = resolve));
  const started = await session.media.startRecording(path, {
    maxDurationMs: mailbox.maxMessageMs,
    silence: { timeoutMs: mailbox.silenceTimeoutMs },
    trimSilence: true,
    onSilenceTimeout: () => settle('silence'),
    onMaxDuration: () => settle('max-duration'),
    onError: (e) => {
      log.error({ err: e }, 'recording failed');
      settle('error');
    },
    logger: log,
  });
  if (!started.ok) {
    log.error({ reason: started.error }, 'could not start recording');
    return { cause: 'error', recording: null };
  }
  const stopDigits = session.onDigit((d) => {
    if (d === '#') settle('dtmf');
    else if (d === '0' && hasOperator) settle('operator');
  });
  const onEnd = (): void => settle('hangup');
  session.ended.addEventListener('abort', onEnd, { once: true });
  if (session.ended.aborted) settle('hangup');
  const cause = await stopped;
  stopDigits();
  session.ended.removeEventListener('abort', onEnd);
  // After a BYE the caller's last packets may still wait in the RTP socket (sent before
  // the BYE): stopRecording('hangup') reads them first (one more poll of the sockets).
  const endedBy: RecordingEndReason = cause === 'operator' ? 'dtmf' : cause === 'error' ? 'aborted' : cause;
  try {
    return { cause, recording: await session.media.stopRecording(endedBy) };
  } catch (e) {
    log.error({ err: e }, 'finishing the recording failed');
    return { cause: 'error', recording: null };
  }
}

/** The mailbox is full: say so (after the greeting), hang up, and leave a missed-call record. */
async function mailboxFull(ctx: FlowContext): Promise<void> {
  const { session, mailbox, deposits, caller, log } = ctx;
  log.warn({ quota: mailbox.quotaMessages }, 'mailbox is full; the caller is told');
  if (await session.answer()) {
    await session.play([await ctx.prompts.greeting(mailbox, ctx.greetingReason), await ctx.prompts.phrase(mailbox, 'mailbox-full')]);
    session.hangup();
  }
  await deposits.missedCall(mailbox, caller, 'mailbox-full', new Date());
}
