/**
 * The NOTIFYs of one subscription, one at a time: the next is sent only after the
 * previous one's final response (or timeout), so they reach the subscriber in CSeq
 * order and a slow subscriber cannot pile up transactions. Only the newest state
 * matters (RFC 6665 §4.2.2: a NOTIFY carries the full state of the resource), so a
 * NOTIFY still waiting is replaced by a newer one, whose result both callers get.
 * A final NOTIFY (Subscription-State: terminated) is never replaced and ends the queue.
 */
export interface NotifyJob {
  /** The body to send, or null to read the current state when its turn comes. */
  readonly body: Buffer | null;
  /** Set for the final NOTIFY. */
  readonly final: boolean;
}

type Waiter = (status: number) => void;

export class NotifyQueue<J extends NotifyJob> {
  private running = false;
  private waiting: { job: J; waiters: Waiter[] } | null = null;
  private closed = false;

  /** `run` sends one job and resolves with its final status (408 on timeout). */
  constructor(private readonly run: (job: J) => Promise<number>) {}

  /** Queue a job; resolves with the status of the NOTIFY that carried it (481 once closed). */
  push(job: J): Promise<number> {
    return new Promise((resolve) => {
      if (this.closed || this.waiting?.job.final) {
        resolve(481);
        return;
      }
      if (this.waiting) {
        this.waiting = { job, waiters: [...this.waiting.waiters, resolve] };
      } else {
        this.waiting = { job, waiters: [resolve] };
      }
      this.pump();
    });
  }

  /** Drop what is waiting (its callers get 481); what is being sent finishes. */
  close(): void {
    this.closed = true;
    const w = this.waiting;
    this.waiting = null;
    for (const r of w?.waiters ?? []) r(481);
  }

  get busy(): boolean {
    return this.running || this.waiting !== null;
  }

  private pump(): void {
    if (this.running || !this.waiting) return;
    const { job, waiters } = this.waiting;
    this.waiting = null;
    this.running = true;
    const done = (status: number): void => {
      this.running = false;
      for (const r of waiters) r(status);
      if (job.final) this.close();
      this.pump();
    };
    this.run(job).then(done, () => done(500));
  }
}
