/**
 * Owners' greetings and custom warnings: uploaded (any format the AudioConverter reads),
 * spoken from text, removed, previewed.
 *
 * How the next call plays the new audio: every upload gets a fresh AudioStore key
 * (`greetings/<tenant>/<mailbox>/<slot>-<random>.wav`), the audio is written first,
 * then the mailbox row points at it, then the old object is deleted. A call reads the
 * mailbox row when it arrives and asks the PromptResolver for that key; a key never
 * seen before cannot be in any resolver's cache (in this process or another), so no
 * cache can serve the old recording. A call already playing the old one keeps its
 * decoded copy. Changes to one mailbox's audio are serialised in this process, so two
 * uploads at once cannot both delete the same old object and leave one orphan.
 */
import { randomBytes } from 'node:crypto';
import { toWav } from '../../media/index.js';
import { VoxmailError } from '../../shared/errors.js';
import type { AuditTrail } from '../accounts/audit.js';
import type { RequestContext } from '../accounts/inbox.js';
import type { Principal } from '../accounts/principal.js';
import type { GreetingReason, Language, Mailbox } from '../model.js';
import type { AudioConverter, AudioResult, AudioStore, PromptAudio, VoicemailStore } from '../ports.js';
import type { PromptResolver } from '../prompts/prompt-resolver.js';
import { AUDIO_TOO_LONG, audioRejected } from '../messages/message-errors.js';
import { visibleMailbox } from './scope.js';

/** Greetings and warnings are at most 5 minutes (docs/api.md "Uploads"). */
export const GREETING_MAX_MS = 5 * 60 * 1000;

/** A greeting slot (`busy`...) or the warning before the beep. */
export type AudioSlot = { readonly kind: 'greeting'; readonly reason: GreetingReason } | { readonly kind: 'warning' };

export interface GreetingDeps {
  readonly store: VoicemailStore;
  readonly audio: AudioStore;
  readonly converter: AudioConverter;
  /** Reads the audio a caller hears, for previews; told of keys written and deleted. */
  readonly resolver: PromptResolver;
  readonly audit: AuditTrail;
  /** Told of every key written or deleted (e.g. other resolvers' caches). */
  readonly onAudioChanged?: (key: string) => void;
}

export class Greetings {
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: GreetingDeps) {}

  /** Converts and stores an upload → the mailbox; null when the caller cannot see it. */
  async upload(ctx: RequestContext, id: string, tenant: string | undefined, slot: AudioSlot, input: Buffer, signal?: AbortSignal): Promise<Mailbox | null> {
    const m = await visibleMailbox(this.deps.store, ctx.principal, id, tenant);
    if (!m) return null;
    const audio = accepted(await this.deps.converter.convert(input, { maxMs: GREETING_MAX_MS, ...(signal ? { signal } : {}) }));
    return this.#replace(ctx, m, slot, audio);
  }

  /** Speaks `text` (in `language`, default the mailbox's) → the mailbox. */
  async speak(ctx: RequestContext, id: string, tenant: string | undefined, slot: AudioSlot, text: string, language: Language | undefined, signal?: AbortSignal): Promise<Mailbox | null> {
    const m = await visibleMailbox(this.deps.store, ctx.principal, id, tenant);
    if (!m) return null;
    const audio = accepted(await this.deps.converter.speak(text, language ?? m.language, signal ? { signal } : {}));
    if (audio.durationMs > GREETING_MAX_MS) throw new VoxmailError(AUDIO_TOO_LONG, `the spoken text lasts ${String(Math.round(audio.durationMs / 1000))} s; the limit is ${String(GREETING_MAX_MS / 1000)} s`);
    return this.#replace(ctx, m, slot, audio);
  }

  /** Back to the standard phrase (a `custom` warning mode falls back to `standard`) → the mailbox. */
  async remove(ctx: RequestContext, id: string, tenant: string | undefined, slot: AudioSlot): Promise<Mailbox | null> {
    const found = await visibleMailbox(this.deps.store, ctx.principal, id, tenant);
    if (!found) return null;
    return this.#serialised(found, async () => {
      const m = (await this.deps.store.mailboxes.get(found.tenantId, found.id)) ?? found;
      const old = keyOf(m, slot);
      if (old === null) return m;
      const changed = [settingName(slot)];
      let updated: Mailbox;
      if (slot.kind === 'greeting') {
        updated = await this.deps.store.mailboxes.update(m.tenantId, m.id, { greetings: { [slot.reason]: { mode: m.greetings[slot.reason].mode, audioKey: null } } });
      } else {
        const fallBack = m.warningMode === 'custom';
        updated = await this.deps.store.mailboxes.update(m.tenantId, m.id, { warningAudioKey: null, ...(fallBack ? { warningMode: 'standard' as const } : {}) });
        if (fallBack) changed.push('warningMode');
      }
      await this.#forget(old);
      await this.#audit(ctx, m, changed);
      return updated;
    });
  }

  /**
   * The WAV a caller hears for the slot: the custom recording, else the standard phrase
   * (with the operator's overrides) in the mailbox's language. For the warning: the
   * custom one when there is one (whatever the mode, so it can be heard before it is
   * switched on), else the standard phrase.
   */
  async preview(p: Principal, id: string, tenant: string | undefined, slot: AudioSlot): Promise<Buffer | null> {
    const m = await visibleMailbox(this.deps.store, p, id, tenant);
    if (!m) return null;
    const scope = { tenantId: m.tenantId, mailboxId: m.id, language: m.language };
    const resolved =
      slot.kind === 'greeting'
        ? await this.deps.resolver.greeting(m.greetings[slot.reason].audioKey, slot.reason, scope)
        : await this.deps.resolver.recorded(m.warningAudioKey, 'warning-standard', scope);
    return toWav(resolved.samples);
  }

  async #replace(ctx: RequestContext, found: Mailbox, slot: AudioSlot, audio: PromptAudio): Promise<Mailbox> {
    return this.#serialised(found, async () => {
      const key = `greetings/${found.tenantId}/${found.id}/${slot.kind === 'greeting' ? slot.reason : 'warning'}-${randomBytes(9).toString('base64url')}.wav`;
      await this.deps.audio.put(key, audio.wav);
      let updated: Mailbox;
      let old: string | null;
      try {
        const m = (await this.deps.store.mailboxes.get(found.tenantId, found.id)) ?? found;
        old = keyOf(m, slot);
        updated =
          slot.kind === 'greeting'
            ? await this.deps.store.mailboxes.update(m.tenantId, m.id, { greetings: { [slot.reason]: { mode: m.greetings[slot.reason].mode, audioKey: key } } })
            : await this.deps.store.mailboxes.update(m.tenantId, m.id, { warningAudioKey: key });
      } catch (e) {
        await this.deps.audio.delete(key).catch(() => undefined);
        throw e;
      }
      this.#changed(key);
      if (old !== null && old !== key) await this.#forget(old);
      await this.#audit(ctx, found, [settingName(slot)]);
      return updated;
    });
  }

  /** Deletes an object no row points at any more; a failure leaves an orphan file, never a broken greeting. */
  async #forget(key: string): Promise<void> {
    this.#changed(key);
    await this.deps.audio.delete(key).catch(() => undefined);
  }

  #changed(key: string): void {
    this.deps.resolver.invalidate(key);
    this.deps.onAudioChanged?.(key);
  }

  async #audit(ctx: RequestContext, m: Mailbox, settings: readonly string[]): Promise<void> {
    for (const setting of settings) {
      await this.deps.audit.record(
        { kind: 'principal', principal: ctx.principal },
        { action: 'setting.change', tenantId: m.tenantId, target: `mailbox:${m.id}`, ip: ctx.ip, detail: { mailbox: m.id, setting } },
      );
    }
  }

  /** Runs `task` after every earlier audio change of the same mailbox. */
  async #serialised<T>(m: Mailbox, task: () => Promise<T>): Promise<T> {
    const lockKey = `${m.tenantId}/${m.id}`;
    const before = this.#locks.get(lockKey) ?? Promise.resolve();
    const run = before.then(task, task);
    const tail = run.catch(() => undefined);
    this.#locks.set(lockKey, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(lockKey) === tail) this.#locks.delete(lockKey);
    }
  }
}

function keyOf(m: Mailbox, slot: AudioSlot): string | null {
  return slot.kind === 'greeting' ? m.greetings[slot.reason].audioKey : m.warningAudioKey;
}

function settingName(slot: AudioSlot): string {
  return slot.kind === 'greeting' ? `greetings.${slot.reason}.audio` : 'warning.audio';
}

function accepted(result: AudioResult): PromptAudio {
  if (result.ok) return result.audio;
  throw audioRejected(result);
}
