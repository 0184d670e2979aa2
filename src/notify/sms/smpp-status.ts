/**
 * SMPP command_status values (SMPP 3.4 §5.1.3, Table 5-2) by name, and whether a
 * submit_sm refused with one is worth retrying. Retry is the default: the outbox's
 * give-up time bounds it, while a wrong "permanent" would drop a notification an SMSC
 * would have taken an hour later. Permanent are only the answers that say this message,
 * as built, will never be accepted: a bad destination or source, a malformed PDU.
 */

const NAMES: ReadonlyMap<number, readonly [name: string, meaning: string]> = new Map([
  [0x00, ['ESME_ROK', 'no error']],
  [0x01, ['ESME_RINVMSGLEN', 'message length is invalid']],
  [0x02, ['ESME_RINVCMDLEN', 'command length is invalid']],
  [0x03, ['ESME_RINVCMDID', 'invalid command id']],
  [0x04, ['ESME_RINVBNDSTS', 'incorrect bind status for the command']],
  [0x05, ['ESME_RALYBND', 'already bound']],
  [0x06, ['ESME_RINVPRTFLG', 'invalid priority flag']],
  [0x07, ['ESME_RINVREGDLVFLG', 'invalid registered delivery flag']],
  [0x08, ['ESME_RSYSERR', 'system error']],
  [0x0a, ['ESME_RINVSRCADR', 'invalid source address']],
  [0x0b, ['ESME_RINVDSTADR', 'invalid destination address']],
  [0x0c, ['ESME_RINVMSGID', 'message id is invalid']],
  [0x0d, ['ESME_RBINDFAIL', 'bind failed']],
  [0x0e, ['ESME_RINVPASWD', 'invalid password']],
  [0x0f, ['ESME_RINVSYSID', 'invalid system_id']],
  [0x11, ['ESME_RCANCELFAIL', 'cancel failed']],
  [0x13, ['ESME_RREPLACEFAIL', 'replace failed']],
  [0x14, ['ESME_RMSGQFUL', 'message queue full']],
  [0x15, ['ESME_RINVSERTYP', 'invalid service type']],
  [0x33, ['ESME_RINVNUMDESTS', 'invalid number of destinations']],
  [0x34, ['ESME_RINVDLNAME', 'invalid distribution list name']],
  [0x40, ['ESME_RINVDESTFLAG', 'invalid destination flag']],
  [0x42, ['ESME_RINVSUBREP', 'invalid submit with replace request']],
  [0x43, ['ESME_RINVESMCLASS', 'invalid esm_class']],
  [0x44, ['ESME_RCNTSUBDL', 'cannot submit to distribution list']],
  [0x45, ['ESME_RSUBMITFAIL', 'submit failed']],
  [0x48, ['ESME_RINVSRCTON', 'invalid source address TON']],
  [0x49, ['ESME_RINVSRCNPI', 'invalid source address NPI']],
  [0x50, ['ESME_RINVDSTTON', 'invalid destination address TON']],
  [0x51, ['ESME_RINVDSTNPI', 'invalid destination address NPI']],
  [0x53, ['ESME_RINVSYSTYP', 'invalid system_type']],
  [0x54, ['ESME_RINVREPFLAG', 'invalid replace_if_present flag']],
  [0x55, ['ESME_RINVNUMMSGS', 'invalid number of messages']],
  [0x58, ['ESME_RTHROTTLED', 'throttling error: too many messages']],
  [0x61, ['ESME_RINVSCHED', 'invalid scheduled delivery time']],
  [0x62, ['ESME_RINVEXPIRY', 'invalid validity period']],
  [0x63, ['ESME_RINVDFTMSGID', 'invalid predefined message id']],
  [0x64, ['ESME_RX_T_APPN', 'ESME receiver temporary application error']],
  [0x65, ['ESME_RX_P_APPN', 'ESME receiver permanent application error']],
  [0x66, ['ESME_RX_R_APPN', 'ESME receiver reject message error']],
  [0x67, ['ESME_RQUERYFAIL', 'query_sm failed']],
  [0xc0, ['ESME_RINVOPTPARSTREAM', 'error in the optional part of the PDU body']],
  [0xc1, ['ESME_ROPTPARNOTALLWD', 'optional parameter not allowed']],
  [0xc2, ['ESME_RINVPARLEN', 'invalid parameter length']],
  [0xc3, ['ESME_RMISSINGOPTPARAM', 'expected optional parameter missing']],
  [0xc4, ['ESME_RINVOPTPARAMVAL', 'invalid optional parameter value']],
  [0xfe, ['ESME_RDELIVERYFAILURE', 'delivery failure']],
  [0xff, ['ESME_RUNKNOWNERR', 'unknown error']],
]);

/** Refusals that resending the same message cannot fix. */
const PERMANENT = new Set([
  0x01, // message length: our PDU is wrong
  0x06,
  0x07,
  0x0a, // invalid source address
  0x0b, // invalid destination address
  0x40,
  0x43, // esm_class
  0x48, // source TON/NPI
  0x49,
  0x50, // destination TON/NPI
  0x51,
  0x62,
  0x65, // permanent application error
  0x66, // reject message
  0xc1,
  0xc2,
  0xc4,
]);

/** "ESME_RINVDSTADR (0x0000000B, invalid destination address)"; vendor codes by number. */
export function describeStatus(status: number): string {
  const hex = `0x${status.toString(16).toUpperCase().padStart(8, '0')}`;
  const known = NAMES.get(status);
  if (known) return `${known[0]} (${hex}, ${known[1]})`;
  if (status >= 0x400 && status <= 0x4ff) return `${hex} (SMSC vendor-specific error)`;
  return `${hex} (reserved status)`;
}

/** Whether a submit_sm answered with this status fails the notification for good. */
export function isPermanentStatus(status: number): boolean {
  return PERMANENT.has(status);
}
