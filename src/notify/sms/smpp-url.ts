/**
 * The SMSC as one URL (issue 5: config file, VOXMAIL_SMPP_URL, --smpp-url):
 * `smpp://system_id:password@host:port?bind=transceiver&system_type=VMS`.
 * system_id and password are percent-decoded (SMPP 3.4 §5.2.1–5.2.2 allow up to 15 and
 * 8 characters; many SMSCs accept longer passwords, so only system_id is checked).
 * Errors never repeat the password, and `redactSmppUrl` is what logs show.
 */
import { VoxmailError } from '../../shared/errors.js';

export type BindMode = 'transmitter' | 'transceiver';

export interface SmppEndpoint {
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  /** Absent from the URL: the caller's option, else transceiver (delivery receipts come back on it). */
  readonly bindMode: BindMode | null;
  readonly systemType: string;
}

/** The IANA-registered SMPP port. */
export const DEFAULT_SMPP_PORT = 2775;

function configError(message: string): VoxmailError {
  return new VoxmailError('VM_SMS_CONFIG', `SMPP URL: ${message}`);
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw configError(`${what} is not valid percent-encoding`);
  }
}

/** Throws VoxmailError VM_SMS_CONFIG on a URL Voxmail cannot use. */
export function parseSmppUrl(url: string): SmppEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw configError('not a URL of the form smpp://system_id:password@host:port');
  }
  if (u.protocol !== 'smpp:') throw configError(`scheme must be smpp: (got ${u.protocol})`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw configError('no host');
  const systemId = decode(u.username, 'system_id');
  if (systemId === '') throw configError('no system_id (smpp://system_id:password@host:port)');
  if (systemId.length > 15) throw configError(`system_id is longer than 15 characters (SMPP 3.4 §5.2.1): ${systemId}`);
  let bindMode: BindMode | null = null;
  let systemType = '';
  for (const [key, value] of u.searchParams) {
    if (key === 'bind') {
      if (value !== 'transmitter' && value !== 'transceiver') throw configError(`bind must be transmitter or transceiver (got ${value})`);
      bindMode = value;
    } else if (key === 'system_type') {
      if (value.length > 12) throw configError('system_type is longer than 12 characters (SMPP 3.4 §5.2.3)');
      systemType = value;
    } else {
      throw configError(`unknown parameter ${key} (known: bind, system_type)`);
    }
  }
  return { host, port: u.port === '' ? DEFAULT_SMPP_PORT : Number(u.port), systemId, password: decode(u.password, 'password'), bindMode, systemType };
}

/** The URL with the password replaced, for logs and error messages. */
export function redactSmppUrl(endpoint: SmppEndpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `smpp://${encodeURIComponent(endpoint.systemId)}:***@${host}:${String(endpoint.port)}`;
}
