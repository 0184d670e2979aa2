/**
 * A real SMPP server for the SMS tests (the `smpp` package's createServer over TCP on
 * 127.0.0.1): accepts bind_transmitter / bind_transceiver with one system_id and
 * password, records every submit_sm with its short_message decoded by data_coding (by
 * the package's own GSM 03.38 / UCS2 decoders, independent of ours) and split from its
 * concatenation UDH, can refuse submits with a chosen command_status, sends delivery
 * receipts back, and can be stopped and restarted on the same port to test reconnection.
 */
import smpp from 'smpp';
import { gsm7Septets } from '../../src/notify/sms/gsm7.js';

export interface SmscOptions {
  readonly systemId?: string;
  readonly password?: string;
}

export interface Concat {
  readonly ref: number;
  readonly total: number;
  readonly seq: number;
}

export interface RecordedSubmit {
  readonly messageId: string;
  /** The command_status we answered with. */
  readonly status: number;
  readonly sourceAddr: string;
  readonly sourceAddrTon: number;
  readonly sourceAddrNpi: number;
  readonly destinationAddr: string;
  readonly destAddrTon: number;
  readonly destAddrNpi: number;
  readonly esmClass: number;
  readonly dataCoding: number;
  readonly registeredDelivery: number;
  readonly concat: Concat | null;
  /** UDH octets (0 without UDH). */
  readonly udhOctets: number;
  /** This part's text as a phone decodes it. */
  readonly text: string;
  /** User data units: septets for GSM (UDH rounded up to septets), octets for UCS2; ≤ 160 / 140 on the air. */
  readonly userDataSeptetsOrOctets: number;
}

export interface ReassembledSms {
  readonly destinationAddr: string;
  readonly text: string;
  readonly parts: readonly RecordedSubmit[];
}

export interface BindRecord {
  readonly command: string;
  readonly systemId: string;
  readonly accepted: boolean;
}

const ESME_RINVPASWD = 0x0e;
const ESME_RINVBNDSTS = 0x04;

function concatOf(udh: readonly Buffer[] | undefined): Concat | null {
  for (const ie of udh ?? []) {
    // 8-bit reference (IEI 00) or 16-bit reference (IEI 08), TS 23.040 §9.2.3.24.1/.8.
    if (ie[0] === 0x00 && ie.length >= 5) return { ref: ie[2] ?? 0, total: ie[3] ?? 0, seq: ie[4] ?? 0 };
    if (ie[0] === 0x08 && ie.length >= 6) return { ref: ((ie[2] ?? 0) << 8) | (ie[3] ?? 0), total: ie[4] ?? 0, seq: ie[5] ?? 0 };
  }
  return null;
}

export class TestSmsc {
  readonly systemId: string;
  readonly password: string;
  readonly submits: RecordedSubmit[] = [];
  readonly binds: BindRecord[] = [];
  readonly receiptResponses: { readonly messageId: string; readonly status: number }[] = [];
  enquireLinks = 0;
  /** When true, enquire_link goes unanswered: a link that died without a close (NAT, frozen SMSC). */
  ignoreEnquireLinks = false;
  unbinds = 0;
  private server: smpp.Server | null = null;
  private readonly bound = new Map<smpp.Session, string>();
  /** Which session submitted each message: its receipt goes back there. */
  private readonly submittedOn = new Map<string, smpp.Session>();
  private readonly refusals: number[] = [];
  private nextId = 0x1000;

  private constructor(
    options: SmscOptions,
    public port: number,
  ) {
    this.systemId = options.systemId ?? 'voxmail';
    this.password = options.password ?? 'secret';
  }

  static async start(options: SmscOptions = {}): Promise<TestSmsc> {
    const smsc = new TestSmsc(options, 0);
    await smsc.listen();
    return smsc;
  }

  /** The SMPP URL for SmppSender, optionally with other credentials. */
  url(credentials: { systemId?: string; password?: string } = {}, query = ''): string {
    const id = encodeURIComponent(credentials.systemId ?? this.systemId);
    const pw = encodeURIComponent(credentials.password ?? this.password);
    return `smpp://${id}:${pw}@127.0.0.1:${String(this.port)}${query}`;
  }

  /** Answer the next `count` submit_sm with `status` (e.g. 0x0B invalid destination, 0x58 throttled). */
  refuseNextSubmits(status: number, count = 1): void {
    for (let i = 0; i < count; i++) this.refusals.push(status);
  }

  /** Bound sessions right now. */
  get sessions(): number {
    return this.bound.size;
  }

  /** Accepted messages with every part present, parts in order and texts joined. */
  messages(): ReassembledSms[] {
    const accepted = this.submits.filter((s) => s.status === 0);
    const out: ReassembledSms[] = [];
    const groups = new Map<string, RecordedSubmit[]>();
    for (const s of accepted) {
      if (s.concat === null) {
        out.push({ destinationAddr: s.destinationAddr, text: s.text, parts: [s] });
        continue;
      }
      const key = `${s.destinationAddr}/${String(s.concat.ref)}/${String(s.concat.total)}`;
      const g = groups.get(key) ?? [];
      g.push(s);
      groups.set(key, g);
      if (g.length === s.concat.total) {
        const parts = [...g].sort((a, b) => (a.concat?.seq ?? 0) - (b.concat?.seq ?? 0));
        out.push({ destinationAddr: s.destinationAddr, text: parts.map((p) => p.text).join(''), parts });
        groups.delete(key);
      }
    }
    return out;
  }

  /**
   * Sends an SMSC delivery receipt (SMPP 3.4 Appendix B text, plus the receipted_message_id
   * and message_state TLVs) for `messageId` on the session that submitted it, which must
   * be a bound transceiver; resolves with the command_status of the ESME's deliver_sm_resp.
   */
  sendReceipt(messageId: string, stat = 'DELIVRD'): Promise<number> {
    const submit = this.submits.find((s) => s.messageId === messageId);
    const session = this.submittedOn.get(messageId);
    if (!session || this.bound.get(session) !== 'bind_transceiver') return Promise.reject(new Error(`no bound transceiver session submitted ${messageId}`));
    const states: Record<string, number> = { DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8 };
    const text = `id:${messageId} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:2511261402 done date:2511261403 stat:${stat} err:${stat === 'DELIVRD' ? '000' : '001'} text:`;
    return new Promise((resolve) => {
      session.deliver_sm(
        {
          source_addr_ton: submit?.destAddrTon ?? 1,
          source_addr_npi: submit?.destAddrNpi ?? 1,
          source_addr: submit?.destinationAddr ?? '',
          destination_addr: submit?.sourceAddr ?? '',
          esm_class: 0x04,
          data_coding: 0,
          short_message: text,
          receipted_message_id: messageId,
          message_state: states[stat] ?? 7,
        },
        (resp) => {
          this.receiptResponses.push({ messageId, status: resp.command_status });
          resolve(resp.command_status);
        },
      );
    });
  }

  /** Closes every session and stops listening (the port stays ours to restart on). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of [...server.sessions]) s.destroy();
    this.bound.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.listen();
  }

  private async listen(): Promise<void> {
    const server = smpp.createServer((session) => this.onSession(session));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('SMSC: no TCP address');
    this.port = address.port;
    this.server = server;
  }

  private onSession(session: smpp.Session): void {
    session.on('error', () => undefined); // a client that vanishes; 'close' follows
    session.on('close', () => this.bound.delete(session));
    const onBind = (pdu: smpp.PDU): void => {
      const accepted = pdu.system_id === this.systemId && pdu.password === this.password;
      this.binds.push({ command: pdu.command, systemId: pdu.system_id ?? '', accepted });
      if (!accepted) {
        session.send(pdu.response({ command_status: ESME_RINVPASWD }));
        return;
      }
      this.bound.set(session, pdu.command);
      session.send(pdu.response({ system_id: 'TESTSMSC' }));
    };
    session.on('bind_transmitter', onBind);
    session.on('bind_transceiver', onBind);
    session.on('enquire_link', (pdu: smpp.PDU) => {
      this.enquireLinks++;
      if (!this.ignoreEnquireLinks) session.send(pdu.response());
    });
    session.on('unbind', (pdu: smpp.PDU) => {
      this.unbinds++;
      this.bound.delete(session);
      session.send(pdu.response(), () => session.close());
    });
    session.on('submit_sm', (pdu: smpp.PDU) => this.onSubmit(session, pdu));
  }

  private onSubmit(session: smpp.Session, pdu: smpp.PDU): void {
    if (!this.bound.has(session)) {
      session.send(pdu.response({ command_status: ESME_RINVBNDSTS }));
      return;
    }
    const sm = pdu.short_message;
    const decoded = sm === undefined || Buffer.isBuffer(sm) ? { message: sm ?? Buffer.alloc(0) } : sm;
    const text = typeof decoded.message === 'string' ? decoded.message : decoded.message.toString('hex');
    const udhOctets = decoded.udh && decoded.udh.length > 0 ? 1 + decoded.udh.reduce((n, ie) => n + ie.length, 0) : 0;
    const dataCoding = pdu.data_coding ?? 0;
    const units = dataCoding === 0x08 ? udhOctets + text.length * 2 : Math.ceil((udhOctets * 8) / 7) + (gsm7Septets(text) ?? Number.NaN);
    const status = this.refusals.shift() ?? 0;
    const messageId = (this.nextId++).toString(16);
    this.submittedOn.set(messageId, session);
    this.submits.push({
      messageId,
      status,
      sourceAddr: pdu.source_addr ?? '',
      sourceAddrTon: pdu.source_addr_ton ?? 0,
      sourceAddrNpi: pdu.source_addr_npi ?? 0,
      destinationAddr: pdu.destination_addr ?? '',
      destAddrTon: pdu.dest_addr_ton ?? 0,
      destAddrNpi: pdu.dest_addr_npi ?? 0,
      esmClass: pdu.esm_class ?? 0,
      dataCoding,
      registeredDelivery: pdu.registered_delivery ?? 0,
      concat: concatOf(decoded.udh),
      udhOctets,
      text,
      userDataSeptetsOrOctets: units,
    });
    session.send(status === 0 ? pdu.response({ message_id: messageId }) : pdu.response({ command_status: status }));
  }
}
