/**
 * The SMS channel over SMPP 3.4: one bound session to the SMSC (SmppConnection), one
 * submit_sm per part (§4.4) with registered_delivery 1 so that the SMSC sends a delivery
 * receipt (§5.2.17), data_coding 0x00 (GSM 7-bit, unpacked) or 0x08 (UCS2) and, for long
 * texts, the concatenation UDH with esm_class 0x40 (see segments.ts).
 *
 * Outcomes: every part accepted → sent, providerId = the message_id(s) joined by ",";
 * an SMSC answer that says the message can never be accepted (invalid destination or
 * source...) → permanent; anything else (throttling, system error, no bind, connection
 * lost, no response in time) → retry. A part-way failure retries the whole text under a
 * new reference: the phone may show the first attempt's parts as an incomplete message,
 * never a wrong one.
 */
import { randomInt } from 'node:crypto';
import type smpp from 'smpp';
import { systemClock, type Clock } from '../../shared/clock.js';
import { VoxmailError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { DeliveryResult } from '../../voicemail/ports.js';
import { destinationAddress, sourceAddress, type SmppAddress } from './address.js';
import { isDeliveryReceipt, parseReceipt, type SmsReceipt } from './receipt.js';
import { segmentSms } from './segments.js';
import { normalizeSmsNumber, SmsChannelSender, type SendTextOptions } from './sms-channel.js';
import { SmppConnection, type ConnectionState } from './smpp-connection.js';
import { describeStatus, isPermanentStatus } from './smpp-status.js';
import { parseSmppUrl, redactSmppUrl, type BindMode } from './smpp-url.js';

export interface SmppSenderOptions {
  /** `smpp://system_id:password@host:port[?bind=transmitter|transceiver&system_type=...]`. */
  readonly url: string;
  /** Sender shown on the phone: "+7495..." or a name of ≤ 11 characters; empty = the SMSC's default. */
  readonly sourceAddr?: string;
  readonly logger: Logger;
  /** Overrides the URL's `bind`; default transceiver, the bind on which receipts come back. */
  readonly bindMode?: BindMode;
  /** enquire_link interval while bound (SMPP 3.4 §4.11). Default 30 s. */
  readonly enquireLinkMs?: number;
  /** TCP connect + bind; also how long a send waits for the bind. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** How long each submit_sm waits for submit_sm_resp. Default 10 s. */
  readonly submitTimeoutMs?: number;
  /** Reconnect back-off, doubling from min to max. Default 1 s → 60 s. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly clock?: Clock;
  /** For the "today" of missed-call times. */
  readonly now?: () => Date;
}

/** SMPP 3.4 §5.2.17: SMSC delivery receipt requested on success and failure. */
const REGISTERED_DELIVERY_FINAL = 0x01;
const ESME_RSYSERR = 0x08;

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new VoxmailError('VM_SMS_CONFIG', `SMPP: ${name} must be a positive number of ms (got ${String(v)})`);
  return v;
}

export class SmppSender extends SmsChannelSender {
  private readonly connection: SmppConnection;
  private readonly source: SmppAddress;
  private readonly label: string;
  private readonly log: Logger;
  private readonly connectTimeoutMs: number;
  private readonly submitTimeoutMs: number;
  private readonly receiptListeners = new Set<(receipt: SmsReceipt) => void>();
  /** The concatenation reference of the next long SMS (TS 23.040 §9.2.3.24.1); random start per process. */
  private reference = randomInt(256);

  /** Throws VoxmailError VM_SMS_CONFIG on a bad URL, source address or timeout. Does not connect yet. */
  constructor(o: SmppSenderOptions) {
    super(o.now ?? (() => new Date()));
    const endpoint = parseSmppUrl(o.url);
    const source = sourceAddress(o.sourceAddr);
    if (!source.ok) throw new VoxmailError('VM_SMS_CONFIG', `SMPP: ${source.error}`);
    this.source = source.value;
    this.label = redactSmppUrl(endpoint);
    this.log = o.logger.child({ module: 'sms', smsc: this.label });
    this.connectTimeoutMs = positive('connectTimeoutMs', o.connectTimeoutMs, 10_000);
    this.submitTimeoutMs = positive('submitTimeoutMs', o.submitTimeoutMs, 10_000);
    const reconnectMinMs = positive('reconnectMinMs', o.reconnectMinMs, 1_000);
    this.connection = new SmppConnection({
      host: endpoint.host,
      port: endpoint.port,
      systemId: endpoint.systemId,
      password: endpoint.password,
      systemType: endpoint.systemType,
      bindMode: o.bindMode ?? endpoint.bindMode ?? 'transceiver',
      label: this.label,
      logger: this.log,
      clock: o.clock ?? systemClock,
      enquireLinkMs: positive('enquireLinkMs', o.enquireLinkMs, 30_000),
      connectTimeoutMs: this.connectTimeoutMs,
      reconnectMinMs,
      reconnectMaxMs: Math.max(reconnectMinMs, positive('reconnectMaxMs', o.reconnectMaxMs, 60_000)),
      onDeliverSm: (pdu) => this.onDeliverSm(pdu),
    });
  }

  /** Connects and binds now (otherwise the first send does); call it to receive receipts from the start. */
  start(): void {
    this.connection.start();
  }

  get state(): ConnectionState {
    return this.connection.currentState;
  }

  /** Calls `listener` for every delivery receipt; returns the unsubscribe function. */
  onReceipt(listener: (receipt: SmsReceipt) => void): () => void {
    this.receiptListeners.add(listener);
    return () => this.receiptListeners.delete(listener);
  }

  async sendText(to: string, text: string, options: SendTextOptions = {}): Promise<DeliveryResult> {
    const number = normalizeSmsNumber(to);
    if (number === null) return { ok: false, permanent: true, error: `not a phone number: ${JSON.stringify(to)}` };
    const reference = this.reference;
    this.reference = (this.reference + 1) & 0xff;
    const sms = segmentSms(text, reference);
    if (!sms.ok) return { ok: false, permanent: true, error: sms.error };
    const { parts, dataCoding, esmClass, coding } = sms.value;
    const bound = await this.connection.whenBound(this.connectTimeoutMs, options.signal);
    if (!bound.ok) return { ok: false, permanent: false, error: bound.error };
    const dest = destinationAddress(number);
    const ids: string[] = [];
    for (const [i, part] of parts.entries()) {
      const which = parts.length > 1 ? ` (part ${String(i + 1)}/${String(parts.length)})` : '';
      if (options.signal?.aborted) return { ok: false, permanent: false, error: `aborted before submit_sm${which}` };
      const r = await this.connection.request(
        'submit_sm',
        {
          service_type: '',
          source_addr_ton: this.source.ton,
          source_addr_npi: this.source.npi,
          source_addr: this.source.addr,
          dest_addr_ton: dest.ton,
          dest_addr_npi: dest.npi,
          destination_addr: dest.addr,
          esm_class: esmClass,
          registered_delivery: REGISTERED_DELIVERY_FINAL,
          data_coding: dataCoding,
          // A Buffer: the package sends it as is instead of re-encoding the text.
          short_message: part.shortMessage,
        },
        this.submitTimeoutMs,
      );
      if (!r.ok) return { ok: false, permanent: false, error: `${r.error}${which}` };
      const resp = r.value;
      const status = resp.command === 'submit_sm_resp' ? resp.command_status : resp.command_status || ESME_RSYSERR;
      if (status !== 0) {
        const permanent = isPermanentStatus(status);
        const error = `submit_sm${which} to ${number} refused by ${this.label}: ${resp.command === 'generic_nack' ? 'generic_nack ' : ''}${describeStatus(status)}`;
        this.log.warn({ code: 'VM_SMS_SMPP_REJECTED', status, permanent, to: number, accepted: ids }, error);
        return { ok: false, permanent, error };
      }
      ids.push(resp.message_id ?? '');
    }
    this.log.info({ to: number, parts: parts.length, coding, messageIds: ids }, 'SMS accepted by the SMSC');
    return { ok: true, providerId: ids.join(','), detail: `${String(parts.length)} part(s), ${coding === 'ucs2' ? 'UCS2' : 'GSM 7-bit'}` };
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private onDeliverSm(pdu: smpp.PDU): void {
    if (!isDeliveryReceipt(pdu.esm_class ?? 0)) {
      // A mobile-originated SMS (a reply to the notification): acknowledged, not handled.
      this.log.info({ from: pdu.source_addr }, 'ignored a mobile-originated deliver_sm');
      return;
    }
    const sm = pdu.short_message;
    const text = sm === undefined ? '' : Buffer.isBuffer(sm) ? sm.toString('latin1') : typeof sm.message === 'string' ? sm.message : sm.message.toString('latin1');
    const receipt = parseReceipt({ sourceAddr: pdu.source_addr ?? '', text, receiptedMessageId: pdu.receipted_message_id, messageState: pdu.message_state });
    if (receipt === null) {
      this.log.warn({ code: 'VM_SMS_SMPP_RECEIPT', from: pdu.source_addr }, 'a delivery receipt without a message id');
      return;
    }
    const failed = receipt.final && receipt.state !== 'delivered';
    this.log[failed ? 'warn' : 'info']({ ...(failed ? { code: 'VM_SMS_UNDELIVERED' } : {}), receipt }, `SMS ${receipt.messageId} ${receipt.state}`);
    for (const listener of this.receiptListeners) {
      try {
        listener(receipt);
      } catch (e) {
        this.log.error({ err: e }, 'a receipt listener threw');
      }
    }
  }
}
