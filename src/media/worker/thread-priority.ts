/**
 * A media worker thread is named (`top -H`, `ps -L`) and set to the niceness it was
 * given. Negative values (`media.workerNice`) make its media clock, which must tick every
 * 20 ms, go first when the machine is busy, as the telephony servers do (Asterisk `-p`,
 * FreeSWITCH `-hp`/`-rp`); we stay with niceness (not a real-time class), so a runaway
 * thread cannot lock the machine. With `sip.threadNice` the thread gives back the
 * priority it inherited from the SIP thread. Without the right (root or CAP_SYS_NICE) to
 * raise it — which setting it back from a positive `sip.threadNice` is too — the thread
 * keeps the priority it has, said once at info.
 */
import type { Logger } from '../../shared/logger.js';
import { setOwnThreadNice } from '../../shared/thread-nice.js';
import { loadNativeUdpIo } from '../rtp/native-udp-io.js';

export function tuneMediaThread(name: string, nice: number | null, log: Logger): void {
  // The native addon names the thread (0: it leaves the niceness to us); without it, unnamed.
  loadNativeUdpIo().io?.tuneThread(name, 0);
  if (nice === null) return;
  const refused = setOwnThreadNice(nice);
  if (refused === null) log.debug({ nice }, 'media thread priority set');
  else log.info({ nice, error: refused }, 'media thread keeps its priority (raising it needs root or CAP_SYS_NICE)');
}
