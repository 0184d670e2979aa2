/** The flows' view of the prompts: PromptResolver with the mailbox's language and overrides applied. */
import type { FlowPhrase, FlowPrompts } from '../flows/flow-context.js';
import type { GreetingReason, Mailbox } from '../model.js';
import { beep } from '../prompts/beep.js';
import type { PromptResolver, PromptScope } from '../prompts/prompt-resolver.js';

function scopeOf(m: Mailbox): PromptScope {
  return { tenantId: m.tenantId, mailboxId: m.id, language: m.language };
}

export function flowPrompts(resolver: PromptResolver): FlowPrompts {
  const tone = beep();
  return {
    beep: tone,
    async greeting(mailbox: Mailbox, reason: GreetingReason) {
      return (await resolver.greeting(mailbox.greetings[reason].audioKey, reason, scopeOf(mailbox))).samples;
    },
    async warning(mailbox: Mailbox) {
      switch (mailbox.warningMode) {
        case 'none':
          return null;
        case 'standard':
          return (await resolver.prompt('warning-standard', scopeOf(mailbox))).samples;
        case 'custom':
          // A custom warning that is missing or broken falls back to the standard phrase.
          return (await resolver.recorded(mailbox.warningAudioKey, 'warning-standard', scopeOf(mailbox))).samples;
      }
    },
    async phrase(mailbox: Mailbox, name: FlowPhrase) {
      return (await resolver.prompt(name, scopeOf(mailbox))).samples;
    },
  };
}
