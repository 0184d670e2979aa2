/**
 * Real peer: SIPp 3.6.1 over UDP against our SIP stack (scenarios in test/fixtures/sipp
 * and ../shared/testdata/sipp/vm_uac_g711.xml). Needs `sipp` (Debian sip-tester).
 * Run: npx tsx --test test/e2e/sip/sipp-udp.test.ts
 */
import { defineSippSuite } from './sipp-suite.js';

defineSippSuite('udp');
