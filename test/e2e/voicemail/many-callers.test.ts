/**
 * 50 callers at once into one mailbox, in-process media (test/support/many-callers.ts
 * says what is checked). Needs sipp, dumpcap (tshark), espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/voicemail/many-callers.test.ts
 */
import { describeManyCallers } from '../../support/many-callers.js';

describeManyCallers();
