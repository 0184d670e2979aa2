/**
 * PromptResolver over real files: an AudioStore on a temp directory holding overrides
 * (distinct tones, so which source played is visible in the samples), the real
 * built-in catalog, and a pino logger writing into an array.
 *
 * The properties: mailbox > tenant > built-in, per language; a corrupt, empty or
 * unreadable override is logged and skipped (never silence); decoding to 8 kHz from
 * other rates; the cache (hits, invalidate, TTL, LRU bound, shared in-flight reads);
 * ids that would escape the key space are never used to build a key.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { tone, toWav } from '../../../../src/media/index.js';
import { StoreError, type AudioStore } from '../../../../src/voicemail/ports.js';
import { loadBuiltinPrompts, type BuiltinPrompts } from '../../../../src/voicemail/prompts/builtin-prompts.js';
import {
  mailboxPromptKey,
  PromptResolver,
  tenantPromptKey,
  type PromptResolverOptions,
  type PromptScope,
} from '../../../../src/voicemail/prompts/prompt-resolver.js';
import { DirAudioStore } from '../../../support/dir-audio-store.js';

const SCOPE: PromptScope = { tenantId: 'acme', mailboxId: '100', language: 'ru' };

interface LogLine {
  level: number;
  code?: string;
  key?: string;
  reason?: string;
  msg: string;
}

/** A tone `ms` long at `hz`, as the 8 kHz samples the resolver should return. */
function audio(hz: number, ms = 300): Int16Array {
  return tone({ frequency: hz, durationMs: ms, amplitude: 0.3 });
}

describe('PromptResolver', () => {
  let root: string;
  let builtins: BuiltinPrompts;
  let store: DirAudioStore;
  let logs: LogLine[];
  let now: number;

  before(async () => {
    builtins = await loadBuiltinPrompts();
  });

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'voxmail-audio-'));
    store = new DirAudioStore(root);
    logs = [];
    now = 0;
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function resolver(options: Partial<PromptResolverOptions> = {}): PromptResolver {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(JSON.parse(chunk.toString()) as LogLine);
        done();
      },
    });
    return new PromptResolver({ store, builtins, logger: pino({ level: 'info' }, sink), clock: { now: () => now }, ...options });
  }

  async function put(key: string, bytes: Buffer | string): Promise<void> {
    const file = path.join(root, ...key.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
  }

  /** pino writes asynchronously through the stream: let it flush. */
  async function flushLogs(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
  }

  describe('order', () => {
    it('plays the built-in when nothing is overridden', async () => {
      const r = await resolver().prompt('greeting-busy', SCOPE);
      assert.equal(r.source, 'builtin');
      assert.equal(r.key, null);
      assert.equal(r.samples, builtins.get('greeting-busy', 'ru'));
    });

    it('prefers the tenant override to the built-in, for every mailbox of the tenant only', async () => {
      await put(tenantPromptKey('acme', 'ru', 'greeting-busy'), toWav(audio(500)));
      const res = resolver();
      const r = await res.prompt('greeting-busy', SCOPE);
      assert.equal(r.source, 'tenant');
      assert.equal(r.key, 'prompts/acme/_tenant/ru/greeting-busy.wav');
      assert.deepEqual(r.samples, audio(500));
      assert.deepEqual((await res.prompt('greeting-busy', { ...SCOPE, mailboxId: '200' })).samples, audio(500));
      assert.equal((await res.prompt('greeting-busy', { ...SCOPE, tenantId: 'other' })).source, 'builtin');
    });

    it('prefers the mailbox override to the tenant one', async () => {
      await put(tenantPromptKey('acme', 'ru', 'goodbye'), toWav(audio(500)));
      await put(mailboxPromptKey(SCOPE, 'goodbye'), toWav(audio(700)));
      const res = resolver();
      const r = await res.prompt('goodbye', SCOPE);
      assert.equal(r.source, 'mailbox');
      assert.equal(r.key, 'prompts/acme/100/ru/goodbye.wav');
      assert.deepEqual(r.samples, audio(700));
      // Another mailbox of the tenant still gets the tenant's.
      assert.deepEqual((await res.prompt('goodbye', { ...SCOPE, mailboxId: '101' })).samples, audio(500));
    });

    it('keeps languages and phrases apart', async () => {
      await put(mailboxPromptKey(SCOPE, 'goodbye'), toWav(audio(700)));
      const res = resolver();
      const en = await res.prompt('goodbye', { ...SCOPE, language: 'en' });
      assert.equal(en.source, 'builtin');
      assert.equal(en.samples, builtins.get('goodbye', 'en'));
      assert.equal((await res.prompt('call-later', SCOPE)).source, 'builtin');
    });

    it('asks the store mailbox-first, then tenant, and stops at the first hit', async () => {
      await put(mailboxPromptKey(SCOPE, 'goodbye'), toWav(audio(700)));
      const res = resolver();
      await res.prompt('call-later', SCOPE);
      assert.deepEqual(store.reads, ['prompts/acme/100/ru/call-later.wav', 'prompts/acme/_tenant/ru/call-later.wav']);
      store.reads.length = 0;
      await res.prompt('goodbye', SCOPE);
      assert.deepEqual(store.reads, ['prompts/acme/100/ru/goodbye.wav']);
    });
  });

  describe('a bad override is skipped, logged, and never silence', () => {
    it('corrupt mailbox override → the tenant override', async () => {
      await put(mailboxPromptKey(SCOPE, 'warning-standard'), 'RIFF\x00\x00\x00\x00WAVEjunk that is no fmt chunk');
      await put(tenantPromptKey('acme', 'ru', 'warning-standard'), toWav(audio(500)));
      const r = await resolver().prompt('warning-standard', SCOPE);
      assert.equal(r.source, 'tenant');
      assert.deepEqual(r.samples, audio(500));
      await flushLogs();
      assert.equal(logs.length, 1);
      assert.equal(logs[0]!.code, 'VM_PROMPT_OVERRIDE_INVALID');
      assert.equal(logs[0]!.key, 'prompts/acme/100/ru/warning-standard.wav');
      assert.ok(logs[0]!.level >= 40, 'logged as a warning');
    });

    it('corrupt tenant override (an MP3 renamed .wav) → the built-in', async () => {
      await put(tenantPromptKey('acme', 'ru', 'warning-standard'), Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64', 'latin1'));
      const r = await resolver().prompt('warning-standard', SCOPE);
      assert.equal(r.source, 'builtin');
      assert.ok(r.samples.length > 0);
      await flushLogs();
      assert.match(logs[0]!.reason!, /not a RIFF\/WAVE file/);
    });

    it('a WAV with no samples, or an unsupported codec, is not played', async () => {
      await put(mailboxPromptKey(SCOPE, 'goodbye'), toWav(new Int16Array(0)));
      const gsm = toWav(audio(500));
      gsm.writeUInt16LE(0x0031, 20); // format tag: GSM 6.10
      await put(tenantPromptKey('acme', 'ru', 'goodbye'), gsm);
      const r = await resolver().prompt('goodbye', SCOPE);
      assert.equal(r.source, 'builtin');
      await flushLogs();
      assert.deepEqual(
        logs.map((l) => [l.key, l.reason]),
        [
          ['prompts/acme/100/ru/goodbye.wav', 'no audio'],
          ['prompts/acme/_tenant/ru/goodbye.wav', 'unsupported format tag 0x31 (GSM 6.10)'],
        ],
      );
    });

    it('a store that throws → the next source, and the read is retried next time', async () => {
      let fail = true;
      const flaky: Pick<AudioStore, 'get'> = {
        get: (key) => (fail && key.includes('/100/') ? Promise.reject(new Error('EIO: disk on fire')) : store.get(key)),
      };
      await put(mailboxPromptKey(SCOPE, 'goodbye'), toWav(audio(700)));
      await put(tenantPromptKey('acme', 'ru', 'goodbye'), toWav(audio(500)));
      const res = resolver({ store: flaky });
      assert.equal((await res.prompt('goodbye', SCOPE)).source, 'tenant');
      await flushLogs();
      assert.equal(logs[0]!.code, 'VM_PROMPT_OVERRIDE_UNREADABLE');
      fail = false;
      assert.equal((await res.prompt('goodbye', SCOPE)).source, 'mailbox', 'an I/O error is not cached');
    });

    it('a store refusing the key (StoreError) is not asked again until the entry expires', async () => {
      let asked = 0;
      const refusing: Pick<AudioStore, 'get'> = {
        get: () => {
          asked++;
          return Promise.reject(new StoreError('VM_STORE_NOT_FOUND', 'no such key'));
        },
      };
      const res = resolver({ store: refusing });
      assert.equal((await res.greeting('greetings/x.wav', 'busy', SCOPE)).source, 'builtin');
      const first = asked;
      assert.equal((await res.greeting('greetings/x.wav', 'busy', SCOPE)).source, 'builtin');
      assert.equal(asked, first);
    });

    it('a bad override is logged once per cache period, not on every call', async () => {
      await put(mailboxPromptKey(SCOPE, 'goodbye'), 'garbage');
      const res = resolver();
      for (let i = 0; i < 5; i++) await res.prompt('goodbye', SCOPE);
      await flushLogs();
      assert.equal(logs.length, 1);
    });
  });

  describe('decoding', () => {
    it('resamples an override at 16 kHz or 44.1 kHz to 8 kHz', async () => {
      await put(mailboxPromptKey(SCOPE, 'goodbye'), toWav(tone({ frequency: 440, durationMs: 500, sampleRate: 16000 }), 16000));
      await put(tenantPromptKey('acme', 'ru', 'call-later'), toWav(tone({ frequency: 440, durationMs: 500, sampleRate: 44100 }), 44100));
      const res = resolver();
      assert.equal((await res.prompt('goodbye', SCOPE)).samples.length, 4000);
      assert.equal((await res.prompt('call-later', SCOPE)).samples.length, 4000);
    });
  });

  describe('greetings and recordings', () => {
    it("plays the owner's recording when there is one", async () => {
      await put('greetings/acme/100/busy.wav', toWav(audio(900)));
      const r = await resolver().greeting('greetings/acme/100/busy.wav', 'busy', SCOPE);
      assert.deepEqual(r, { samples: audio(900), source: 'recording', key: 'greetings/acme/100/busy.wav' });
    });

    it('falls back to the standard phrase for the reason, overrides included', async () => {
      await put(tenantPromptKey('acme', 'ru', 'greeting-no-answer'), toWav(audio(500)));
      const res = resolver();
      const none = await res.greeting(null, 'no-answer', SCOPE);
      assert.equal(none.source, 'tenant');
      const gone = await res.greeting('greetings/acme/100/deleted.wav', 'busy', SCOPE);
      assert.equal(gone.source, 'builtin');
      assert.equal(gone.samples, builtins.get('greeting-busy', 'ru'));
    });

    it('a corrupt recorded greeting → the standard phrase', async () => {
      await put('greetings/acme/100/default.wav', Buffer.alloc(2000, 0x55));
      const r = await resolver().greeting('greetings/acme/100/default.wav', 'default', SCOPE);
      assert.equal(r.source, 'builtin');
      assert.equal(r.samples, builtins.get('greeting-default', 'ru'));
    });

    it('recorded(): a custom warning, else the standard warning', async () => {
      await put('prompts/acme/100/custom-warning.wav', toWav(audio(600)));
      const res = resolver();
      assert.equal((await res.recorded('prompts/acme/100/custom-warning.wav', 'warning-standard', SCOPE)).source, 'recording');
      assert.equal((await res.recorded(null, 'warning-standard', SCOPE)).source, 'builtin');
    });
  });

  describe('cache', () => {
    it('reads each key once, including the absent ones', async () => {
      await put(tenantPromptKey('acme', 'ru', 'goodbye'), toWav(audio(500)));
      const res = resolver();
      const first = await res.prompt('goodbye', SCOPE);
      const reads = store.reads.length;
      const second = await res.prompt('goodbye', SCOPE);
      assert.equal(store.reads.length, reads);
      assert.equal(second.samples, first.samples, 'the same decoded array');
    });

    it('concurrent calls share one read', async () => {
      await put(mailboxPromptKey(SCOPE, 'goodbye'), toWav(audio(700)));
      const res = resolver();
      const all = await Promise.all([1, 2, 3, 4].map(() => res.prompt('goodbye', SCOPE)));
      assert.deepEqual(store.reads, ['prompts/acme/100/ru/goodbye.wav']);
      for (const r of all) assert.equal(r.samples, all[0]!.samples);
    });

    it('invalidate(key) makes a new upload (or a deletion) heard on the next call', async () => {
      const key = mailboxPromptKey(SCOPE, 'goodbye');
      const res = resolver();
      assert.equal((await res.prompt('goodbye', SCOPE)).source, 'builtin');
      await put(key, toWav(audio(700)));
      assert.equal((await res.prompt('goodbye', SCOPE)).source, 'builtin', 'cached absence');
      res.invalidate(key);
      assert.deepEqual((await res.prompt('goodbye', SCOPE)).samples, audio(700));
      await put(key, toWav(audio(750)));
      res.invalidate(key);
      assert.deepEqual((await res.prompt('goodbye', SCOPE)).samples, audio(750));
      await rm(path.join(root, ...key.split('/')));
      res.invalidate(key);
      assert.equal((await res.prompt('goodbye', SCOPE)).source, 'builtin');
    });

    it('trusts an entry for ttlMs only (writes by another process)', async () => {
      const res = resolver({ ttlMs: 1000 });
      assert.equal((await res.prompt('goodbye', SCOPE)).source, 'builtin');
      await put(mailboxPromptKey(SCOPE, 'goodbye'), toWav(audio(700)));
      now = 999;
      assert.equal((await res.prompt('goodbye', SCOPE)).source, 'builtin');
      now = 1000;
      assert.equal((await res.prompt('goodbye', SCOPE)).source, 'mailbox');
    });

    it('holds at most cacheEntries keys, evicting the least recently used', async () => {
      const res = resolver({ cacheEntries: 2 });
      const a = mailboxPromptKey(SCOPE, 'goodbye');
      const b = tenantPromptKey('acme', 'ru', 'goodbye');
      await res.recorded(a, 'goodbye', { ...SCOPE, tenantId: '..' }); // one read: a (tenant id unusable)
      await res.recorded(b, 'goodbye', { ...SCOPE, tenantId: '..' }); // b
      await res.recorded(a, 'goodbye', { ...SCOPE, tenantId: '..' }); // hit: a is now the most recent
      await res.recorded('c.wav', 'goodbye', { ...SCOPE, tenantId: '..' }); // evicts b
      store.reads.length = 0;
      await res.recorded(a, 'goodbye', { ...SCOPE, tenantId: '..' });
      await res.recorded(b, 'goodbye', { ...SCOPE, tenantId: '..' });
      assert.deepEqual(store.reads, [b]);
    });
  });

  it('never builds a key from an id the store would refuse (could leave its directory)', async () => {
    const res = resolver();
    for (const [tenantId, mailboxId] of [
      ['..', '100'],
      ['acme', '..'],
      ['acme', 'a/b'],
      ['', '100'],
      ['acme', ''],
      ['ac\\me', '100'],
      ['acme corp', '100'],
      ['.hidden', '100'],
      ['acme', '.partial'],
    ] as const) {
      const r = await res.prompt('goodbye', { tenantId, mailboxId, language: 'en' });
      assert.equal(r.source, 'builtin');
    }
    assert.deepEqual(store.reads, ['prompts/acme/_tenant/en/goodbye.wav']);
  });

  it('treats the reserved mailbox id _tenant as no mailbox', async () => {
    await put(tenantPromptKey('acme', 'ru', 'goodbye'), toWav(audio(500)));
    const r = await resolver().prompt('goodbye', { ...SCOPE, mailboxId: '_tenant' });
    assert.equal(r.source, 'tenant');
    assert.deepEqual(store.reads, ['prompts/acme/_tenant/ru/goodbye.wav']);
  });
});
