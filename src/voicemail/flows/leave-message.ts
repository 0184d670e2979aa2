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
import { RECORDING_NOT_STARTED, type DtmfDigit, type RecordingEndReason, type RecordingResult, type RecordingStart } from '../../media/index.js';
import type { DepositOutcome } from '../deposit/deposit-service.js';
import type { FlowContext, FlowPhrase } from './flow-context.js';
import { transferToOperator } from './transfer.js';


type StopCause = 'hangup' | 'dtmf' | 'operator' | 'silence' | 'max-duration' | 'error' | 'cancelled';

export async function leaveMessage(ctx: FlowContext): Promise<void> {
  const { session, mailbox, prompts, deposits, caller, log } = ctx;
  if (await deposits.isFull(mailbox)) {
    await mailboxFull(ctx);
    return;
  }
  // The greeting starts once our 200 is out, not one round trip later at the ACK (when the
  // INVITE carried the offer; ADR 0011); the recording, and so a message, waits for the ACK.
  const answered = session.answerNow();
  if (!(await answered.mediaNow) && !(await answered.confirmed)) {
    await deposits.missedCall(mailbox, caller, 'hangup-before-beep', new Date());
    return;
  }
  const hasOperator = mailbox.operatorUri !== null;
  const skipKeys: DtmfDigit[] = hasOperator ? ['#', '0'] : ['#'];
  const greeting = await prompts.greeting(mailbox, ctx.greetingReason);
  const warning = await prompts.warning(mailbox);
  // Greeting, warning and beep are queued together and the recording is armed to start in
  // the tick the beep ends, where the media runs (a worker thread): the beep follows the
  // intro and the recording follows the beep without waiting for this thread, which may be
  // busy setting up other calls (issue 7). `#` skips only the intro; the beep still plays.
  const prepared = deposits.prepare(mailbox, caller, new Date());
  const intro = session.play(warning ? [greeting, warning] : [greeting], skipKeys);
  session.play([prompts.beep]).catch((e: unknown) => log.error({ err: e }, 'the beep could not be queued'));
  if (!(await answered.confirmed)) {
    // Never confirmed (no ACK in 64×T1, or the call ended): nothing is recorded.
    session.media.stopPlaying();
    await intro;
    await deposits.missedCall(mailbox, caller, 'hangup-before-beep', new Date());
    return;
  }
  let recording = record(ctx, prepared.path, hasOperator, 'after-playback');
  const introEnd = await intro;
  if (introEnd.kind === 'digit' && introEnd.digit === '0') {
    // The operator: the beep and the armed recording go (if this thread was so late that
    // the beep ended, what was recorded is dropped); back to them if the transfer fails.
    session.media.stopPlaying();
    recording.cancel();
    if ((await recording.result).recording !== null) await deposits.discard(prepared.deposit);
    if (await transferToOperator(ctx)) return;
    if ((await session.play([prompts.beep])).kind === 'hangup') {
      await deposits.missedCall(mailbox, caller, 'hangup-before-beep', new Date());
      return;
    }
    recording = record(ctx, prepared.path, hasOperator, 'now');
  } else if (introEnd.kind === 'hangup') {
    recording.cancel();
    await recording.result;
    await deposits.missedCall(mailbox, caller, 'hangup-before-beep', new Date(), prepared.deposit);
    return;
  }
  const startedAt = await recording.started;
  if (startedAt === null) {
    // The caller hung up during the beep, or the recording could not start (logged).
    const { cause } = await recording.result;
    await deposits.missedCall(mailbox, caller, cause === 'cancelled' ? 'hangup-before-beep' : 'recording-failed', new Date(), prepared.deposit);
    return;
  }

  // Received when the recording began: the end of the beep, on the media's clock.
  const deposit = { ...prepared.deposit, receivedAt: new Date(startedAt).toISOString() };
  try {
    await deposits.begin(deposit);
  } catch (e) {
    log.error({ err: e, deposit: deposit.id }, 'could not register the recording; it is not kept');
    // Hang up first: the recording step waits for a reason to stop, and the BYE is one.
    session.hangup();
    await recording.result.catch(() => undefined);
    await deposits.missedCall(mailbox, caller, 'recording-failed', new Date(), deposit).catch(() => undefined);
    return;
  }
  const { cause, recording: recorded } = await recording.result;
  let outcome: DepositOutcome | null = null;
  if (recorded === null) {
    // The disk failed under the recorder: what reached it stays pending for recovery.
    log.error({ deposit: deposit.id }, 'recording failed; the partial audio is recovered at the next start');
  } else {
    try {
      outcome = await deposits.complete(deposit, recorded);
    } catch (e) {
      log.error({ err: e, deposit: deposit.id }, 'storing the message failed; the next start recovers it');
    }
  }
  log.info({ cause, stored: outcome?.kind ?? 'failed', durationMs: recorded?.durationMs }, 'recording ended');
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

interface Recording {
  /** When it began (Date.now() where the media runs), or null if it never did. */
  readonly started: Promise<number | null>;
  /** How the recording ended and what it holds (null: never started, or the disk failed). */
  readonly result: Promise<{ cause: StopCause; recording: RecordingResult | null }>;
  /** End it now (or never start it): cause 'cancelled'. */
  cancel(): void;
}

/**
 * Record until the caller hangs up, presses `#` (or `0`), falls silent or reaches the
 * limit — starting at once, or armed to start when the queued prompts (the beep) end.
 */
function record(ctx: FlowContext, path: string, hasOperator: boolean, when: RecordingStart): Recording {
  const { session, mailbox, log } = ctx;
  let settle: (c: StopCause) => void = () => undefined;
  const stopped = new Promise<StopCause>((resolve) => (settle = resolve));
  let began: (at: number | null) => void = () => undefined;
  const started = new Promise<number | null>((resolve) => (began = resolve));
  const result = (async (): Promise<{ cause: StopCause; recording: RecordingResult | null }> => {
    const opened = await session.media.startRecording(
      path,
      {
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
      },
      when,
    );
    if (!opened.ok) {
      began(null);
      // Not an error when the beep never finished: the caller hung up or chose the operator.
      if (opened.error === RECORDING_NOT_STARTED) return { cause: 'cancelled', recording: null };
      log.error({ reason: opened.error }, 'could not start recording');
      return { cause: 'error', recording: null };
    }
    began(opened.value.startedAt);
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
    // the BYE): stopRecording('hangup') reads them first (the call's socket, at once).
    const endedBy: RecordingEndReason = cause === 'operator' ? 'dtmf' : cause === 'error' || cause === 'cancelled' ? 'aborted' : cause;
    try {
      return { cause, recording: await session.media.stopRecording(endedBy) };
    } catch (e) {
      log.error({ err: e }, 'finishing the recording failed');
      return { cause: 'error', recording: null };
    }
  })();
  // A throw inside (none expected: failures are values) must not leave `started` pending.
  result.catch(() => began(null));
  return { started, result, cancel: () => settle('cancelled') };
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
