/**
 * Real peer: SIPp 3.6.1 over TCP (`-t t1`: one connection) against our SIP stack, the
 * same scenarios as sipp-udp.test.ts. Needs `sipp` (Debian sip-tester).
 * Run: npx tsx --test test/e2e/sip/sipp-tcp.test.ts
 */
import { defineSippSuite } from './sipp-suite.js';

defineSippSuite('tcp');
