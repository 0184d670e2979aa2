import type { G711Codec, LocalMediaCapabilities } from './negotiate.js';
import type { SessionDescription } from './session-description.js';

/**
 * Our capabilities as stated by an SDP we sent: the first audio stream's address, port,
 * G.711 codecs and telephone-event. Lets a dialog answer a re-offer (re-INVITE,
 * UPDATE) with "the same media as before" without the application re-stating them.
 */
export function capabilitiesOf(sd: SessionDescription): LocalMediaCapabilities | null {
  const audio = sd.media.find((m) => m.media === 'audio' && m.port > 0);
  if (!audio) return null;
  const address = audio.connections[0]?.address ?? sd.connections[0]?.address;
  if (!address) return null;
  const codecs: G711Codec[] = [];
  let telephoneEvent = false;
  for (const f of audio.formats) {
    const map = audio.rtpmaps.find((r) => String(r.payloadType) === f);
    const name = map?.encodingName.toUpperCase() ?? (f === '0' ? 'PCMU' : f === '8' ? 'PCMA' : '');
    if ((name === 'PCMU' || name === 'PCMA') && !codecs.includes(name)) codecs.push(name);
    if (name === 'TELEPHONE-EVENT') telephoneEvent = true;
  }
  if (codecs.length === 0) return null;
  return {
    address,
    port: audio.port,
    codecs,
    telephoneEvent,
    ...(audio.ptime !== undefined ? { ptime: audio.ptime } : {}),
    sessionId: sd.origin.sessionId,
    username: sd.origin.username,
  };
}
