/**
 * A real SMTP server for tests, in-process over TCP on 127.0.0.1 (the `smtp-server`
 * package): optional AUTH, optional STARTTLS (its built-in self-signed certificate),
 * optional SIZE limit. It can be told to answer a stage with a 4xx/5xx reply, or to go
 * down and come back on the same port. Every accepted mail is parsed with mailparser
 * and kept, with its envelope, for assertions.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope MAIL FROM. */
  readonly from: string | null;
  /** Envelope RCPT TO. */
  readonly to: readonly string[];
  /** The authenticated user, or null. */
  readonly user: string | null;
  /** The session ran over TLS (STARTTLS). */
  readonly secure: boolean;
  readonly raw: Buffer;
  readonly parsed: ParsedMail;
  /** What the 250 reply called it ("queued as Q1"). */
  readonly queueId: string;
}

export interface TestSmtpOptions {
  /** Require AUTH (PLAIN/LOGIN) with these credentials; without it AUTH is not offered. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Offer STARTTLS (self-signed; clients need `tls.rejectUnauthorized=false`). Default off. */
  readonly starttls?: boolean;
  /** Advertised SIZE limit in bytes (RFC 1870). */
  readonly size?: number;
}

/** The command a scripted failure answers. */
export type SmtpStage = 'mail' | 'rcpt' | 'data';

interface Failure {
  readonly stage: SmtpStage;
  readonly code: number;
  readonly message: string;
  remaining: number;
}

export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** Every connection the server accepted (to see pooling and reconnects). */
  connections = 0;
  readonly #options: TestSmtpOptions;
  #server: SMTPServer | null = null;
  #port = 0;
  #failure: Failure | null = null;
  #queueSeq = 0;
  #waiters: (() => void)[] = [];

  private constructor(options: TestSmtpOptions) {
    this.#options = options;
  }

  static async start(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
    const s = new TestSmtpServer(options);
    await s.up();
    return s;
  }

  get port(): number {
    return this.#port;
  }

  /** `smtp://[user:pass@]127.0.0.1:port[?query]`; credentials default to the server's own. */
  url(opts: { user?: string; pass?: string; query?: string } = {}): string {
    const user = opts.user ?? this.#options.auth?.user;
    const pass = opts.pass ?? this.#options.auth?.pass;
    const auth = user === undefined ? '' : `${encodeURIComponent(user)}:${encodeURIComponent(pass ?? '')}@`;
    return `smtp://${auth}127.0.0.1:${String(this.#port)}${opts.query === undefined ? '' : `?${opts.query}`}`;
  }

  /** Answer `stage` with `code message` the next `times` times (default: until `acceptAll`). */
  failWith(stage: SmtpStage, code: number, message: string, times = Infinity): void {
    this.#failure = { stage, code, message, remaining: times };
  }

  acceptAll(): void {
    this.#failure = null;
  }

  /** Listen (again): on a free port the first time, on the same port after `down()`. */
  async up(): Promise<void> {
    if (this.#server !== null) return;
    const server = this.#makeServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined); // a client that vanishes mid-session is not a test failure
    this.#port = (server.server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stop listening and drop open sessions (421): connections are refused until `up()`. */
  async down(): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `count` mails have arrived in all. */
  async waitForMail(count: number, timeoutMs = 5000): Promise<readonly ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${String(count)} mails, got ${String(this.received.length)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received;
  }

  async close(): Promise<void> {
    await this.down();
  }

  #makeServer(): SMTPServer {
    const auth = this.#options.auth;
    const disabled = [...(auth === undefined ? ['AUTH'] : []), ...(this.#options.starttls === true ? [] : ['STARTTLS'])];
    return new SMTPServer({
      logger: false,
      disabledCommands: disabled,
      authOptional: auth === undefined,
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      closeTimeout: 50,
      ...(this.#options.size === undefined ? {} : { size: this.#options.size }),
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onAuth: (a, _session, callback) => {
        if (auth !== undefined && a.username === auth.user && a.password === auth.pass) callback(null, { user: a.username });
        else callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
      },
      onMailFrom: (_address, _session, callback) => callback(this.#scripted('mail')),
      onRcptTo: (_address, _session, callback) => callback(this.#scripted('rcpt')),
      onData: (stream, session, callback) => {
        this.#onData(stream, session).then(
          (reply) => callback(null, reply),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      },
    });
  }

  async #onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) throw smtpError(552, '5.3.4 Message exceeds fixed maximum message size');
    const failure = this.#scripted('data');
    if (failure !== null) throw failure;
    const raw = Buffer.concat(chunks);
    const queueId = `Q${String(++this.#queueSeq)}`;
    const mailFrom = session.envelope.mailFrom;
    this.received.push({
      from: mailFrom === false ? null : mailFrom.address,
      to: session.envelope.rcptTo.map((r) => r.address),
      user: typeof session.user === 'string' ? session.user : null,
      secure: session.secure,
      raw,
      parsed: await simpleParser(raw),
      queueId,
    });
    for (const wake of this.#waiters.splice(0)) wake();
    return `Ok: queued as ${queueId}`;
  }

  #scripted(stage: SmtpStage): Error | null {
    const f = this.#failure;
    if (f === null || f.stage !== stage) return null;
    if (--f.remaining <= 0) this.#failure = null;
    return smtpError(f.code, f.message);
  }
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}
