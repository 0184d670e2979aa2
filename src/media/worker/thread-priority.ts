/**
 * A media worker thread goes first when the machine is busy: its media clock must tick
 * every 20 ms while SIP, the database and the other processes on the box can wait a
 * little. The telephony servers do the same (Asterisk `-p`, FreeSWITCH `-hp`/`-rp`); we
 * stay with niceness (not a real-time class), so a runaway thread cannot lock the machine.
 * The thread is also named (`top -H`, `ps -L`). Without the native addon, or without the
 * right (root or CAP_SYS_NICE), the thread keeps the normal priority, said once at info.
 */
import type { Logger } from '../../shared/logger.js';
import { loadNativeUdpIo } from '../rtp/native-udp-io.js';

export function tuneMediaThread(name: string, nice: number, log: Logger): void {
  const { io, error } = loadNativeUdpIo();
  if (io === null) {
    if (nice !== 0) log.info({ reason: error }, 'media thread keeps the normal priority (native addon not loaded)');
    return;
  }
  const r = io.tuneThread(name, nice);
  if (r === 0) {
    if (nice !== 0) log.debug({ nice }, 'media thread priority set');
  } else log.info({ nice, errno: -r }, 'media thread keeps the normal priority (not permitted here)');
}
