import { err, ok, type Result } from '../../shared/result.js';

/**
 * The `application/simple-message-summary` body of the message-summary event package
 * (RFC 3842 §3.5):
 *
 *   Messages-Waiting: yes
 *   Message-Account: sip:100@vm.example.com
 *   Voice-Message: 2/8 (0/2)
 *
 * `Messages-Waiting` is mandatory and first; `Message-Account` is optional; then one
 * summary line per message-context-class (RFC 3458): new/old, with the urgent
 * new/old counts in parentheses.
 */

/** The message-context-classes a summary line may name (RFC 3458; RFC 3842 §3.5). */
export const MESSAGE_CONTEXT_CLASSES = ['voice-message', 'fax-message', 'pager-message', 'multimedia-message', 'text-message', 'none'] as const;
export type MessageContextClass = (typeof MESSAGE_CONTEXT_CLASSES)[number];

export interface MessageCounts {
  readonly new: number;
  readonly old: number;
  /** Of the new ones, how many are urgent (written in parentheses). */
  readonly urgentNew?: number;
  readonly urgentOld?: number;
}

export interface MessageSummary {
  /** `Messages-Waiting: yes` — by convention when any class has new messages. */
  readonly waiting: boolean;
  /** `Message-Account` (a SIP or absolute URI), or null. */
  readonly account: string | null;
  readonly counts: Partial<Readonly<Record<MessageContextClass, MessageCounts>>>;
}

/** RFC 3842 §3.5 spells the classes capitalised (`Voice-Message`); matching is case-insensitive. */
const SPELLING: Readonly<Record<MessageContextClass, string>> = {
  'voice-message': 'Voice-Message',
  'fax-message': 'Fax-Message',
  'pager-message': 'Pager-Message',
  'multimedia-message': 'Multimedia-Message',
  'text-message': 'Text-Message',
  none: 'None',
};

/** Largest count written or accepted: keeps lines short and numbers exact. */
const MAX_COUNT = 1_000_000;

function count(n: number, what: string): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_COUNT) throw new RangeError(`message-summary: ${what} must be an integer 0–${String(MAX_COUNT)}`);
  return String(n);
}

/**
 * The body text for a summary, CRLF line ends. Throws RangeError on negative or
 * fractional counts and on an account that could break out of its line.
 */
export function formatMessageSummary(summary: MessageSummary): string {
  const lines = [`Messages-Waiting: ${summary.waiting ? 'yes' : 'no'}`];
  if (summary.account !== null) {
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x20\x7f]/.test(summary.account) || summary.account.length === 0) throw new RangeError('message-summary: bad Message-Account');
    lines.push(`Message-Account: ${summary.account}`);
  }
  for (const cls of MESSAGE_CONTEXT_CLASSES) {
    const c = summary.counts[cls];
    if (!c) continue;
    let line = `${SPELLING[cls]}: ${count(c.new, 'new')}/${count(c.old, 'old')}`;
    if (c.urgentNew !== undefined || c.urgentOld !== undefined) line += ` (${count(c.urgentNew ?? 0, 'urgentNew')}/${count(c.urgentOld ?? 0, 'urgentOld')})`;
    lines.push(line);
  }
  return lines.join('\r\n') + '\r\n';
}

/** A voicemail box's summary: `waiting` when there are new messages (RFC 3842 §3.5). */
export function voiceMessageSummary(counts: MessageCounts, account: string | null): MessageSummary {
  return { waiting: counts.new > 0, account, counts: { 'voice-message': counts } };
}

const SUMMARY_LINE = /^(\d{1,7})[ \t]*\/[ \t]*(\d{1,7})(?:[ \t]*\([ \t]*(\d{1,7})[ \t]*\/[ \t]*(\d{1,7})[ \t]*\))?[ \t]*$/;

/**
 * Parse a body (LF or CRLF lines). Unknown header-like lines after the summary
 * (`opt-msg-headers`, RFC 3842 §3.5) are skipped; a missing or bad `Messages-Waiting`,
 * a malformed count line, or a repeated class is an error.
 */
export function parseMessageSummary(text: string): Result<MessageSummary> {
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const status = headerLine(lines[i]);
  if (!status || status.name !== 'messages-waiting') return err('body does not start with Messages-Waiting');
  const flag = status.value.toLowerCase();
  if (flag !== 'yes' && flag !== 'no') return err(`Messages-Waiting must be yes or no, not "${status.value}"`);
  i++;
  let account: string | null = null;
  const counts: Partial<Record<MessageContextClass, MessageCounts>> = {};
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const h = headerLine(line);
    if (!h) return err(`not a header line: "${line}"`);
    if (h.name === 'message-account') {
      if (account !== null) return err('Message-Account repeated');
      account = h.value;
      continue;
    }
    const cls = MESSAGE_CONTEXT_CLASSES.find((c) => c === h.name);
    if (!cls) continue; // an extension header (opt-msg-headers)
    if (counts[cls]) return err(`${SPELLING[cls]} repeated`);
    const m = SUMMARY_LINE.exec(h.value);
    if (!m) return err(`bad ${SPELLING[cls]} counts "${h.value}"`);
    counts[cls] = {
      new: Number(m[1]),
      old: Number(m[2]),
      ...(m[3] !== undefined ? { urgentNew: Number(m[3]), urgentOld: Number(m[4]) } : {}),
    };
  }
  return ok({ waiting: flag === 'yes', account, counts });
}

function headerLine(line: string | undefined): { name: string; value: string } | null {
  if (line === undefined) return null;
  const colon = line.indexOf(':');
  if (colon <= 0) return null;
  const name = line.slice(0, colon).trim();
  if (!/^[A-Za-z0-9!%*_+`'~.-]+$/.test(name)) return null;
  return { name: name.toLowerCase(), value: line.slice(colon + 1).trim() };
}
