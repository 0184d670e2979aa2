/**
 * SMSC delivery receipts: a deliver_sm whose esm_class message type is "SMSC Delivery
 * Receipt" (bits 5–2 = 0001, SMPP 3.4 §5.2.12). The receipted message id and its state
 * come from the TLVs receipted_message_id and message_state (§5.3.2.12, §5.3.2.35) when
 * present, else from the text the SMSC puts in short_message, whose format SMPP 3.4
 * Appendix B gives as an example most SMSCs follow:
 * `id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...`
 */

export type ReceiptState = 'enroute' | 'delivered' | 'expired' | 'deleted' | 'undeliverable' | 'accepted' | 'unknown' | 'rejected';

export interface SmsReceipt {
  /** The message_id of the submit_sm_resp it is about (one part of a long SMS). */
  readonly messageId: string;
  readonly state: ReceiptState;
  /** The state will not change again (SMPP 3.4 §5.2.28: all but ENROUTE and ACCEPTED). */
  readonly final: boolean;
  /** The SMSC's error code ("err:"), or null when there is none or it is zero. */
  readonly errorCode: string | null;
  /** The phone the SMS went to (the receipt's source_addr). */
  readonly recipient: string;
  /** "done date" as the SMSC wrote it (YYMMDDhhmm, SMSC-local time), or null. */
  readonly doneDate: string | null;
}

/** esm_class bits 5–2 (mask 0x3C) = 0b0001: SMSC Delivery Receipt. */
export function isDeliveryReceipt(esmClass: number): boolean {
  return (esmClass & 0x3c) === 0x04;
}

/** message_state values (SMPP 3.4 §5.2.28). */
const BY_MESSAGE_STATE: ReadonlyMap<number, ReceiptState> = new Map([
  [1, 'enroute'],
  [2, 'delivered'],
  [3, 'expired'],
  [4, 'deleted'],
  [5, 'undeliverable'],
  [6, 'accepted'],
  [7, 'unknown'],
  [8, 'rejected'],
]);

/** The "stat:" words of Appendix B. */
const BY_STAT: ReadonlyMap<string, ReceiptState> = new Map([
  ['ENROUTE', 'enroute'],
  ['DELIVRD', 'delivered'],
  ['EXPIRED', 'expired'],
  ['DELETED', 'deleted'],
  ['UNDELIV', 'undeliverable'],
  ['ACCEPTD', 'accepted'],
  ['UNKNOWN', 'unknown'],
  ['REJECTD', 'rejected'],
]);

export interface ReceiptFields {
  readonly sourceAddr: string;
  readonly text: string;
  readonly receiptedMessageId?: string;
  readonly messageState?: number;
}

function field(text: string, name: string): string | null {
  const m = new RegExp(`(?:^|\\s)${name}:(\\S*)`, 'i').exec(text);
  return m?.[1] ?? null;
}

/** The receipt, or null when neither the TLVs nor the text name a message id. */
export function parseReceipt(f: ReceiptFields): SmsReceipt | null {
  const messageId = f.receiptedMessageId ?? field(f.text, 'id');
  if (messageId === null || messageId === '') return null;
  const stat = field(f.text, 'stat');
  const state = (f.messageState !== undefined ? BY_MESSAGE_STATE.get(f.messageState) : undefined) ?? (stat !== null ? BY_STAT.get(stat.toUpperCase()) : undefined) ?? 'unknown';
  const errorCode = field(f.text, 'err');
  return {
    messageId,
    state,
    final: state !== 'enroute' && state !== 'accepted',
    errorCode: errorCode === null || /^0+$/.test(errorCode) ? null : errorCode,
    recipient: f.sourceAddr,
    doneDate: field(f.text, 'done date'),
  };
}
