/**
 * The catalog of built-in phrases. Each name is a file `prompts/<lang>/<name>.wav` for
 * every language (made by scripts/make-prompts.sh) and the last part of the AudioStore
 * key an operator uses to replace it, so the names are part of the operator-facing
 * interface: add names freely, never rename one.
 */
import type { GreetingReason } from '../model.js';

export const PROMPT_NAMES = [
  'greeting-busy',
  'greeting-no-answer',
  'greeting-unavailable',
  'greeting-unconditional',
  'greeting-default',
  'warning-standard',
  'call-later',
  'stay-on-line',
  'wait-operator',
  'message-saved',
  'goodbye',
  'mailbox-full',
  'message-too-long',
] as const;
export type PromptName = (typeof PROMPT_NAMES)[number];

const NAMES: ReadonlySet<string> = new Set(PROMPT_NAMES);

/** For names that arrive as text (CLI, API uploads): narrows to the catalog. */
export function isPromptName(value: string): value is PromptName {
  return NAMES.has(value);
}

/**
 * The standard phrase for each greeting slot. Spelled out (rather than built with a
 * template) so that adding a GreetingReason without a phrase fails to compile.
 */
export const GREETING_PROMPTS: Readonly<Record<GreetingReason, PromptName>> = Object.freeze({
  busy: 'greeting-busy',
  'no-answer': 'greeting-no-answer',
  unavailable: 'greeting-unavailable',
  unconditional: 'greeting-unconditional',
  default: 'greeting-default',
});
