/**
 * The deposits bench judges the server by the wire (bench/deposits/sip-capture.ts): each
 * call's messages, its RTP port from the 200's SDP, and the greeting's first packet among
 * the server's marked RTP. These are the parsers of tshark's output and the matching rule.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { captureFilter, dumpcapDropped, greetingStartOf, parseMarkerFields, parseSipFields } from '../../../bench/deposits/sip-capture.js';

const SERVER = 5060;
const row = (...f: (string | number)[]): string => f.map(String).join('\t');

describe('deposits bench: the SIP and RTP capture', () => {
  test('one call: INVITE, 200 with its SDP port, ACK, BYE and its 200, first occurrence each', () => {
    const text = [
      row('100.000', 40000, 'c1', 'INVITE', 'INVITE', '', ''),
      row('100.001', SERVER, 'c1', 'INVITE', '', '100', ''),
      row('100.002', SERVER, 'c1', 'INVITE', '', '200', '20000'),
      row('100.502', SERVER, 'c1', 'INVITE', '', '200', '20000'), // a retransmission
      row('100.003', 40000, 'c1', 'ACK', 'ACK', '', ''),
      row('125.000', 40000, 'c1', 'BYE', 'BYE', '', ''),
      row('125.001', SERVER, 'c1', 'BYE', '', '200', ''),
      '',
    ].join('\n');
    const { calls, rtpPortOf } = parseSipFields(text, SERVER);
    assert.deepEqual(calls.get('c1'), { invite: 100, ok200: 100.002, ack: 100.003, bye: 125, byeOk: 125.001 });
    assert.equal(rtpPortOf.get('c1'), 20000);
  });

  test('a refused call keeps its final status and has no RTP port', () => {
    const { calls, rtpPortOf } = parseSipFields([row('1.0', 40000, 'c2', 'INVITE', 'INVITE', '', ''), row('1.1', SERVER, 'c2', 'INVITE', '', '503', '')].join('\n'), SERVER);
    assert.equal(calls.get('c2')?.otherFinal, '503');
    assert.equal(rtpPortOf.has('c2'), false);
  });

  test('marked packets by source port, in capture order', () => {
    const m = parseMarkerFields([row('10.5', 20000), row('11.0', 20002), row('30.0', 20000), ''].join('\n'));
    assert.deepEqual(m.get(20000), [10.5, 30]);
    assert.deepEqual(m.get(20002), [11]);
  });

  test("the greeting's start is the port's first marked packet within the call, not an earlier call's on the same port", () => {
    const markers = new Map([[20000, [5.0, 100.012, 100.9, 130.0]]]);
    const times = { invite: 100, ok200: 100.002, ack: 100.003, bye: 125 };
    assert.equal(greetingStartOf(times, 20000, markers), 100.012);
    assert.equal(greetingStartOf({ ...times, ok200: 126 }, 20000, markers), undefined, 'none between the 200 and the BYE');
    assert.equal(greetingStartOf(times, 20002, markers), undefined, 'no packet from that port');
    assert.equal(greetingStartOf(times, undefined, markers), undefined, 'no SDP port');
  });

  test("dumpcap's drops are the number after the slash of its closing line, not the packets it received", () => {
    const stderr = (received: number, dropped: number): string =>
      `Capturing on 'Loopback: lo'\nFile: /tmp/x/sip.pcapng\nPackets captured: ${String(received)}\nPackets received/dropped on interface 'Loopback: lo': ${String(received)}/${String(dropped)} (pcap:0/dumpcap:0/flushed:0/ps_ifdrop:0) (100.0%)\n`;
    assert.equal(dumpcapDropped(stderr(21515, 0)), 0);
    assert.equal(dumpcapDropped(stderr(21515, 37)), 37);
    assert.equal(dumpcapDropped('dumpcap: killed before it said anything'), 0);
  });

  test('the capture filter takes the SIP port and marked RTP from the server range, not RTCP', () => {
    const f = captureFilter(5062, [20000, 39999]);
    assert.match(f, /^udp port 5062 or \(udp src portrange 20000-39999 and /);
    // RTCP's second byte is its packet type, 200–204: with the marker bit masked off, 72–76.
    assert.match(f, /udp\[9\] & 0x80 != 0 and udp\[9\] & 0x7f < 72/);
  });
});
