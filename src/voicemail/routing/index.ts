/**
 * Routing of a deposit: which mailbox an INVITE is for, why it came, who called whom.
 * See README.md.
 */
export { describeDeposit, DEFAULT_SERVICE_NAMES, type DepositRouting, type DescribeDepositOptions } from './describe-deposit.js';
export { normalizeNumber, partyOf } from './numbers.js';
export { greetingReasonFor, reasonFromCause, reasonFromDiversion, reasonFromQ850, reasonFromResponse } from './reasons.js';
export { callerOf, displayNameOf, type Caller } from './caller.js';
