/**
 * The settings options of `mailbox add` and `mailbox update`, declared once so that the
 * two commands take exactly the same flags, and their validation into a `MailboxInput`:
 * every value checked and normalised, every problem collected, nothing stored yet.
 */
import type { Command } from 'commander';
import type { EmailAction, GreetingMode, GreetingReason, Language, WarningMode } from '../voicemail/model.js';
import { EMAIL_ACTIONS, GREETING_MODES, GREETING_REASONS, LANGUAGES, WARNING_MODES } from '../voicemail/model.js';
import { validatePin } from '../voicemail/pin.js';
import type { Problems } from './cli-error.js';
import type { Opts } from './store-action.js';
import { collect, optList, optString, optStringOrFalse } from './store-action.js';
import {
  normalizeSmsNumber,
  parseChoice,
  parseEmail,
  parseIntIn,
  parseMailboxNumber,
  parseMwiUri,
  parseOperatorUri,
  parseSecondsToMs,
  parseTimeZone,
  splitList,
  unique,
} from './validate.js';
import { MAX_EMAILS, MAX_MWI_URIS, MAX_NUMBERS, NAME_MAX, SETTING_LIMITS } from '../voicemail/settings/rules.js';

const seconds = ([min, max]: readonly [number, number]): readonly [number, number] => [min / 1000, max / 1000];

/**
 * Limits of the settings, the domain's (src/voicemail/settings/rules.ts, which the REST
 * API applies too), lengths in seconds here (the model stores milliseconds). They match
 * what the store accepts, so a value the CLI lets through is never refused later with a
 * less helpful message.
 */
export const LIMITS = Object.freeze({
  maxLength: seconds(SETTING_LIMITS.maxMessageMs),
  minLength: seconds(SETTING_LIMITS.minMessageMs),
  silenceTimeout: seconds(SETTING_LIMITS.silenceTimeoutMs),
  retentionDays: SETTING_LIMITS.retentionDays,
  quota: SETTING_LIMITS.quotaMessages,
});
export { MAX_EMAILS, MAX_MWI_URIS, MAX_NUMBERS };

/** The model's defaults for a new mailbox (src/voicemail/model.ts), used for cross-checks. */
export const DEFAULT_MAX_MESSAGE_MS = 180_000;
export const DEFAULT_MIN_MESSAGE_MS = 1_000;


/** The validated settings of one command line; absent = not given. */
export interface MailboxInput {
  readonly name?: string;
  /** `--number`: the whole list (replaces it on update). */
  readonly numbers?: readonly string[];
  readonly addNumbers?: readonly string[];
  readonly removeNumbers?: readonly string[];
  readonly language?: Language;
  readonly timeZone?: string;
  readonly maxMessageMs?: number;
  readonly minMessageMs?: number;
  readonly silenceTimeoutMs?: number;
  readonly retentionDays?: number;
  readonly savedRetentionDays?: number;
  readonly quotaMessages?: number;
  /** null = `--no-operator`. */
  readonly operatorUri?: string | null;
  /** The PIN in clear, to be hashed; null = `--no-pin`. Never printed. */
  readonly pin?: string | null;
  readonly greetingModes?: Readonly<Partial<Record<GreetingReason, GreetingMode>>>;
  readonly warningMode?: WarningMode;
  /** null/empty = `--no-email`. */
  readonly emails?: readonly string[];
  readonly emailAction?: EmailAction;
  /** null = `--no-sms-number`. */
  readonly smsNumber?: string | null;
  /** `--mwi` (the whole list); empty = `--no-mwi`. */
  readonly mwiUris?: readonly string[];
}

/** Declares the options both `add` and `update` take; `update` adds the removal ones. */
export function addMailboxSettingsOptions(cmd: Command, forUpdate: boolean): Command {
  cmd
    .option('--name <name>', 'display name, e.g. "Sales"')
    .option(
      '--number <number>',
      `number routed to the mailbox; repeat or comma-separate for several${forUpdate ? ' (replaces the list)' : ''}`,
      collect,
    );
  if (forUpdate) {
    cmd.option('--add-number <number>', 'add a number (repeatable)', collect).option('--remove-number <number>', 'remove a number (repeatable)', collect);
  }
  cmd
    .option('--language <lang>', `prompts language: ${LANGUAGES.join(', ')}`)
    .option('--time-zone <zone>', 'IANA time zone for the times in notifications, e.g. Europe/Moscow')
    .option('--max-length <seconds>', `longest message, ${range(LIMITS.maxLength)} seconds (default 180)`)
    .option('--min-length <seconds>', `shorter recordings are not kept, ${range(LIMITS.minLength)} seconds (default 1)`)
    .option('--silence-timeout <seconds>', `stop recording after this much silence, ${range(LIMITS.silenceTimeout)} seconds (default 8)`)
    .option('--retention-days <days>', `keep inbox and trash messages, ${range(LIMITS.retentionDays)} days (default 14)`)
    .option('--saved-retention-days <days>', `keep saved messages, ${range(LIMITS.retentionDays)} days (default 90)`)
    .option('--quota <messages>', `most messages kept, ${range(LIMITS.quota)} (default 100)`)
    .option('--operator <uri>', 'where "stay on the line"/"wait for the operator" send callers: sip:, sips: or tel: URI')
    .option('--pin <pin>', 'PIN for the phone menu, 4–12 digits (stored hashed, never shown)')
    .option(
      '--greeting-mode <reason=mode>',
      `what follows the greeting (repeatable); reason: ${[...GREETING_REASONS, 'all'].join(', ')}; mode: ${GREETING_MODES.join(', ')}`,
      collect,
    )
    .option('--warning <mode>', `what plays before the beep: ${WARNING_MODES.join(', ')}`)
    .option('--email <address>', `address for voicemail e-mails; repeat or comma-separate${forUpdate ? ' (replaces the list)' : ''}`, collect)
    .option('--email-action <action>', `${EMAIL_ACTIONS.join(', ')} (notification only, attach and delete, attach and keep)`)
    .option('--sms-number <number>', 'mobile number for missed-call and voicemail SMS')
    .option(
      '--mwi <sip-uri>',
      `phone that gets message-waiting NOTIFYs (lamp), sip: or sips: URI; repeat for several, at most ${String(MAX_MWI_URIS)}${forUpdate ? ' (replaces the list)' : ''}`,
      collect,
    )
    .option('--no-mwi', 'no unsolicited message-waiting NOTIFYs (phones that subscribe still get them)');
  if (forUpdate) {
    cmd
      .option('--no-pin', 'remove the PIN')
      .option('--no-operator', 'remove the operator URI')
      .option('--no-email', 'remove every e-mail address')
      .option('--no-sms-number', 'remove the SMS number');
  }
  return cmd;
}

function range([min, max]: readonly [number, number]): string {
  return `${String(min)}–${String(max)}`;
}

/** Checks every settings option of a command line; problems go to `problems`. */
export function parseMailboxInput(opts: Opts, problems: Problems): MailboxInput {
  const input: { -readonly [K in keyof MailboxInput]: MailboxInput[K] } = {};
  const one = <T>(flag: string, key: string, parse: (raw: string) => { ok: true; value: T } | { ok: false; error: string }): T | undefined => {
    const raw = optString(opts, key);
    return raw === undefined ? undefined : problems.take(flag, parse(raw));
  };
  const numbers = (flag: string, key: string): string[] | undefined => {
    const raw = optList(opts, key);
    if (raw === undefined) return undefined;
    const items = splitList(raw);
    if (items.length === 0) problems.add(flag, 'must not be empty');
    if (items.length > MAX_NUMBERS) problems.add(flag, `must list at most ${String(MAX_NUMBERS)} numbers`);
    return unique(items.map((n) => problems.take(flag, parseMailboxNumber(n))).filter((n) => n !== undefined));
  };

  const name = optString(opts, 'name');
  if (name !== undefined) {
    const trimmed = name.trim();
    // eslint-disable-next-line no-control-regex
    if (trimmed === '' || trimmed.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(trimmed)) {
      problems.add('--name', `must be 1–${String(NAME_MAX)} characters without control characters`);
    } else input.name = trimmed;
  }
  input.numbers = numbers('--number', 'number');
  input.addNumbers = numbers('--add-number', 'addNumber');
  input.removeNumbers = numbers('--remove-number', 'removeNumber');
  input.language = one('--language', 'language', (raw) => parseChoice(raw, LANGUAGES));
  input.timeZone = one('--time-zone', 'timeZone', parseTimeZone);
  input.maxMessageMs = one('--max-length', 'maxLength', (raw) => parseSecondsToMs(raw, ...LIMITS.maxLength));
  input.minMessageMs = one('--min-length', 'minLength', (raw) => parseSecondsToMs(raw, ...LIMITS.minLength));
  input.silenceTimeoutMs = one('--silence-timeout', 'silenceTimeout', (raw) => parseSecondsToMs(raw, ...LIMITS.silenceTimeout));
  input.retentionDays = one('--retention-days', 'retentionDays', (raw) => parseIntIn(raw, ...LIMITS.retentionDays, 'days'));
  input.savedRetentionDays = one('--saved-retention-days', 'savedRetentionDays', (raw) => parseIntIn(raw, ...LIMITS.retentionDays, 'days'));
  input.quotaMessages = one('--quota', 'quota', (raw) => parseIntIn(raw, ...LIMITS.quota, 'messages'));
  input.warningMode = one('--warning', 'warning', (raw) => parseChoice(raw, WARNING_MODES));
  input.emailAction = one('--email-action', 'emailAction', (raw) => parseChoice(raw, EMAIL_ACTIONS));

  const operator = optStringOrFalse(opts, 'operator');
  input.operatorUri = operator === false ? null : operator === undefined ? undefined : problems.take('--operator', parseOperatorUri(operator));

  const pin = optStringOrFalse(opts, 'pin');
  if (pin === false) input.pin = null;
  else if (pin !== undefined) input.pin = problems.take('--pin', validatePin(pin));

  const sms = optStringOrFalse(opts, 'smsNumber');
  input.smsNumber = sms === false ? null : sms === undefined ? undefined : problems.take('--sms-number', normalizeSmsNumber(sms));

  if (opts.email === false) input.emails = [];
  else {
    const raw = optList(opts, 'email');
    if (raw !== undefined) {
      const items = splitList(raw);
      if (items.length === 0) problems.add('--email', 'must not be empty (use --no-email to remove every address)');
      if (items.length > MAX_EMAILS) problems.add('--email', `must list at most ${String(MAX_EMAILS)} addresses`);
      input.emails = unique(items.map((e) => problems.take('--email', parseEmail(e))).filter((e) => e !== undefined));
    }
  }

  if (opts.mwi === false) input.mwiUris = [];
  else {
    const raw = optList(opts, 'mwi');
    if (raw !== undefined) {
      // Not split at commas: a SIP URI may contain them.
      const items = raw.map((u) => u.trim()).filter((u) => u !== '');
      if (items.length === 0) problems.add('--mwi', 'must not be empty (use --no-mwi to remove every URI)');
      const uris = unique(items.map((u) => problems.take('--mwi', parseMwiUri(u))).filter((u) => u !== undefined));
      if (uris.length > MAX_MWI_URIS) problems.add('--mwi', `must list at most ${String(MAX_MWI_URIS)} URIs (got ${String(uris.length)})`);
      input.mwiUris = uris;
    }
  }

  const greetings = optList(opts, 'greetingMode');
  if (greetings !== undefined) input.greetingModes = parseGreetingModes(splitList(greetings), problems);

  const min = input.minMessageMs;
  const max = input.maxMessageMs;
  if (min !== undefined && max !== undefined && min >= max) {
    problems.add('--min-length', `must be shorter than --max-length (${String(min / 1_000)} s ≥ ${String(max / 1_000)} s)`);
  }
  return input;
}

/**
 * `busy=leave-message`, `all=call-later`... `all` is applied first whatever its
 * position, so `all=call-later,busy=leave-message` means "call later, except when busy".
 */
export function parseGreetingModes(items: readonly string[], problems: Problems): Partial<Record<GreetingReason, GreetingMode>> {
  const rule = `must be REASON=MODE with REASON one of ${[...GREETING_REASONS, 'all'].join(', ')} and MODE one of ${GREETING_MODES.join(', ')}`;
  const modes: Partial<Record<GreetingReason, GreetingMode>> = {};
  const specific: [GreetingReason, GreetingMode][] = [];
  if (items.length === 0) problems.add('--greeting-mode', rule);
  for (const item of items) {
    const [reason = '', mode = '', ...rest] = item.split('=').map((s) => s.trim());
    const r = reason === 'all' ? 'all' : GREETING_REASONS.find((g) => g === reason);
    const m = GREETING_MODES.find((g) => g === mode);
    if (r === undefined || m === undefined || rest.length > 0) {
      problems.add('--greeting-mode', `${rule} (got ${JSON.stringify(item)})`);
    } else if (r === 'all') {
      for (const g of GREETING_REASONS) modes[g] = m;
    } else specific.push([r, m]);
  }
  for (const [r, m] of specific) modes[r] = m;
  return modes;
}
