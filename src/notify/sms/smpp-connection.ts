/**
 * One SMPP 3.4 session to the SMSC, kept bound: connect, bind (transmitter or
 * transceiver, §4.1), enquire_link on a timer (§4.11) to notice a dead link, answers to
 * the SMSC's own requests (enquire_link, deliver_sm, unbind; generic_nack for anything
 * else, §4.3), and reconnection with exponential back-off after any close or error.
 *
 * Senders ask `whenBound()` before submitting: it resolves as soon as the session is
 * bound, or with the error of the next attempt that fails (a wrong password is reported
 * at once, not after a timeout), or when the caller's wait runs out.
 */
import smpp from 'smpp';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { err, ok, type Result } from '../../shared/result.js';
import { describeStatus } from './smpp-status.js';
import type { BindMode } from './smpp-url.js';

export interface SmppConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly systemType: string;
  readonly bindMode: BindMode;
  /** Logs name the SMSC by this (the URL without password). */
  readonly label: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly enquireLinkMs: number;
  /** TCP connect + bind_resp; also how long enquire_link and unbind wait for their response. */
  readonly connectTimeoutMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** A deliver_sm from the SMSC (already answered with deliver_sm_resp). */
  readonly onDeliverSm: (pdu: smpp.PDU) => void;
}

export type ConnectionState = 'idle' | 'connecting' | 'binding' | 'bound' | 'backoff' | 'closed';

/** SMPP 3.4 §5.2.4: interface_version 0x34 says we speak 3.4 (the package defaults to 5.0). */
const INTERFACE_VERSION_34 = 0x34;
const ESME_RINVCMDID = 0x03;

type Waiter = (r: Result<void, string>) => void;

export class SmppConnection {
  private state: ConnectionState = 'idle';
  private session: smpp.Session | null = null;
  /** Why the session is not bound, for waiting senders and logs; null while bound. */
  private lastError: string | null = null;
  /** What went wrong in the current connection attempt (socket error, bind refusal, timeout). */
  private attemptError: string | null = null;
  private backoffMs: number;
  private readonly waiters = new Set<Waiter>();
  /** Requests awaiting their response; failed all at once when the session closes. */
  private readonly inFlight = new Set<(error: string) => void>();
  private connectTimer: TimerHandle | null = null;
  private enquireTimer: TimerHandle | null = null;
  private reconnectTimer: TimerHandle | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly o: SmppConnectionOptions) {
    this.backoffMs = o.reconnectMinMs;
  }

  get currentState(): ConnectionState {
    return this.state;
  }

  /** Starts connecting (idempotent); after that the session is kept bound until close(). */
  start(): void {
    if (this.state === 'idle') this.connect();
  }

  /** Bound now, or the failure of the next attempt, or the wait ran out / was aborted. */
  whenBound(timeoutMs: number, signal?: AbortSignal): Promise<Result<void, string>> {
    this.start();
    if (this.state === 'bound') return Promise.resolve(ok(undefined));
    if (this.state === 'closed') return Promise.resolve(err('SMPP sender is closed'));
    return new Promise((resolve) => {
      const finish: Waiter = (r) => {
        this.waiters.delete(finish);
        // A plain (ref'd) timer: a send in progress keeps the process alive.
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = (): void => finish(err('aborted while waiting for the SMPP bind'));
      const timer = setTimeout(() => {
        const why = this.lastError !== null ? `; last error: ${this.lastError}` : '';
        finish(err(`not bound to ${this.o.label} within ${String(timeoutMs)} ms${why}`));
      }, timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(finish);
    });
  }

  /**
   * Sends a request on the bound session and resolves with its response (whatever its
   * command_status), or an error string: not bound, connection lost, no response in time.
   */
  request(command: 'submit_sm', options: smpp.PduOptions, timeoutMs: number): Promise<Result<smpp.PDU, string>> {
    const session = this.session;
    if (this.state !== 'bound' || session === null) return Promise.resolve(err(`not bound to ${this.o.label}`));
    return new Promise((resolve) => {
      let done = false;
      const finish = (r: Result<smpp.PDU, string>): void => {
        if (done) return;
        done = true;
        timer.cancel();
        this.inFlight.delete(onLost);
        resolve(r);
      };
      const onLost = (error: string): void => finish(err(error));
      const timer = this.o.clock.setTimer(timeoutMs, () => finish(err(`no ${command}_resp from ${this.o.label} within ${String(timeoutMs)} ms`)));
      this.inFlight.add(onLost);
      const pdu = new smpp.PDU(command, options);
      if (!session.send(pdu, (resp) => finish(ok(resp)))) finish(err(`connection to ${this.o.label} is not writable`));
    });
  }

  /** Unbinds (SMPP 3.4 §4.2) when bound, then closes; no reconnection after. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const wasBound = this.state === 'bound';
    this.state = 'closed';
    this.cancelTimers();
    this.notifyWaiters(err('SMPP sender is closed'));
    const session = this.session;
    this.session = null;
    if (session === null) return;
    // Listen for 'close' first: the SMSC may close the socket right after unbind_resp.
    const closed = new Promise<void>((resolve) => session.once('close', resolve));
    if (wasBound) {
      await new Promise<void>((resolve) => {
        const t = this.o.clock.setTimer(this.o.connectTimeoutMs, resolve);
        const done = (): void => {
          t.cancel();
          resolve();
        };
        if (!session.unbind({}, done)) done();
      });
    }
    session.destroy();
    await closed;
    this.failInFlight('SMPP sender closed');
  }

  private connect(): void {
    this.state = 'connecting';
    this.reconnectTimer = null;
    this.attemptError = null;
    const session = smpp.connect({ host: this.o.host, port: this.o.port });
    this.session = session;
    this.connectTimer = this.o.clock.setTimer(this.o.connectTimeoutMs, () => {
      this.attemptError = `no bind to ${this.o.label} within ${String(this.o.connectTimeoutMs)} ms`;
      session.destroy();
    });
    session.on('connect', () => this.bind(session));
    session.on('error', (e: Error) => {
      // Remember why for the log line and waiting senders. Socket errors close the socket
      // themselves; a PDU the package cannot parse does not, and stalls its reader: close.
      this.attemptError ??= `${this.o.label}: ${e.message}`;
      session.destroy();
    });
    session.on('close', () => this.onClose(session));
    session.on('pdu', (pdu: smpp.PDU) => this.onPdu(session, pdu));
  }

  private bind(session: smpp.Session): void {
    if (session !== this.session) return;
    this.state = 'binding';
    const options = { system_id: this.o.systemId, password: this.o.password, system_type: this.o.systemType, interface_version: INTERFACE_VERSION_34 };
    const onResp = (resp: smpp.PDU): void => this.onBindResp(session, resp);
    const sent = this.o.bindMode === 'transceiver' ? session.bind_transceiver(options, onResp) : session.bind_transmitter(options, onResp);
    if (!sent) session.destroy();
  }

  private onBindResp(session: smpp.Session, resp: smpp.PDU): void {
    if (session !== this.session || this.state !== 'binding') return;
    this.connectTimer?.cancel();
    this.connectTimer = null;
    if (resp.command_status !== 0) {
      // Never the password: system_id and the SMSC's answer are enough to act on.
      const why = `SMPP bind_${this.o.bindMode} to ${this.o.label} refused: ${describeStatus(resp.command_status)}`;
      this.attemptError = this.lastError = why;
      this.o.logger.error({ code: 'VM_SMS_SMPP_BIND_FAILED', status: resp.command_status, systemId: this.o.systemId }, why);
      this.notifyWaiters(err(why));
      session.destroy();
      return;
    }
    this.state = 'bound';
    this.lastError = null;
    this.backoffMs = this.o.reconnectMinMs;
    this.o.logger.info({ smsc: this.o.label, bind: this.o.bindMode, smscSystemId: resp.system_id }, 'SMPP bound');
    this.scheduleEnquireLink(session);
    this.notifyWaiters(ok(undefined));
  }

  private scheduleEnquireLink(session: smpp.Session): void {
    this.enquireTimer = this.o.clock.setTimer(this.o.enquireLinkMs, () => {
      if (session !== this.session || this.state !== 'bound') return;
      const deadline = this.o.clock.setTimer(this.o.connectTimeoutMs, () => {
        this.attemptError = `no enquire_link_resp from ${this.o.label} within ${String(this.o.connectTimeoutMs)} ms`;
        this.o.logger.warn({ code: 'VM_SMS_SMPP_CONNECTION' }, `${this.attemptError}: reconnecting`);
        session.destroy();
      });
      const sent = session.enquire_link({}, () => {
        deadline.cancel();
        if (session === this.session && this.state === 'bound') this.scheduleEnquireLink(session);
      });
      if (!sent) deadline.cancel();
    });
  }

  private onPdu(session: smpp.Session, pdu: smpp.PDU): void {
    if (pdu.isResponse()) return; // matched to its request by the package
    switch (pdu.command) {
      case 'enquire_link':
        session.send(pdu.response());
        return;
      case 'deliver_sm':
        // Acknowledge first (§4.6.2): the SMSC redelivers what is not acknowledged.
        session.send(pdu.response({ message_id: '' }));
        try {
          this.o.onDeliverSm(pdu);
        } catch (e) {
          this.o.logger.error({ err: e }, 'deliver_sm handler threw');
        }
        return;
      case 'unbind':
        this.attemptError = `${this.o.label} unbound the session`;
        this.o.logger.warn({ code: 'VM_SMS_SMPP_CONNECTION' }, `${this.attemptError}: reconnecting`);
        session.send(pdu.response(), () => session.destroy());
        return;
      case 'alert_notification':
        return; // no response is defined (§4.12)
      default:
        session.send(new smpp.PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: ESME_RINVCMDID }));
    }
  }

  private onClose(session: smpp.Session): void {
    if (session !== this.session) return;
    const wasBound = this.state === 'bound';
    this.session = null;
    this.cancelTimers();
    const why = (this.lastError = this.attemptError ?? `connection to ${this.o.label} closed`);
    this.failInFlight(`connection to ${this.o.label} lost: ${why}`);
    if (this.state === 'closed') return;
    if (!wasBound) this.notifyWaiters(err(why));
    // Up to 20 % jitter, so that several Voxmail instances do not reconnect in step.
    const delay = Math.min(this.o.reconnectMaxMs, Math.round(this.backoffMs * (1 + Math.random() * 0.2)));
    this.o.logger.warn({ code: 'VM_SMS_SMPP_CONNECTION', smsc: this.o.label, inMs: delay }, `SMPP ${wasBound ? 'connection lost' : 'not bound'}: ${why}; reconnecting in ${String(delay)} ms`);
    this.backoffMs = Math.min(this.o.reconnectMaxMs, this.backoffMs * 2);
    this.state = 'backoff';
    this.reconnectTimer = this.o.clock.setTimer(delay, () => this.connect());
  }

  private notifyWaiters(r: Result<void, string>): void {
    for (const w of [...this.waiters]) w(r);
  }

  private failInFlight(error: string): void {
    for (const f of [...this.inFlight]) f(error);
  }

  private cancelTimers(): void {
    this.connectTimer?.cancel();
    this.enquireTimer?.cancel();
    this.reconnectTimer?.cancel();
    this.connectTimer = this.enquireTimer = this.reconnectTimer = null;
  }
}
