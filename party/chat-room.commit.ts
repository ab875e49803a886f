/**
 * The chat room's group commit: messages wait while a batch is being written, then go to D1
 * together. A batch is ONE D1 round trip (a guarded write, `commitMessagesFast`) when the room
 * knows the chat's state from its previous batch; the first batch of a room, and any batch the
 * guard refuses (a seq taken behind the room's back, a sender whose access or login ended, a
 * replay, media), takes the full path: one read and one write that judge each message alone
 * (`commitMessages`), which also rebuilds the state. D1 stays the only record: the state is a
 * hint every fast write re-checks, so a stale or restarted room can never take a seq twice.
 *
 * Invariants: batches are written one at a time, in arrival order; every waiter is settled only
 * after D1 answered for its batch, in order. (Planning the next batch while the previous one is
 * written was tried: no gain measured with the bench's closed loop, more failure paths, dropped.)
 */
import {
  commitMessages,
  commitMessagesFast,
  type ChatState,
  type CommitItem,
  type CommitOutcome,
  type CommitResult,
} from "../src/modules/chats/messages.commit";

type Waiter = {
  item: CommitItem;
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
};

/**
 * Most messages one batch takes: the replay lookup binds every client_message_id in one statement
 * and D1 binds at most 100 values per statement.
 */
export const MAX_BATCH = 50;

export class GroupCommit {
  private waiting: Waiter[] = [];
  private running: Promise<void> | null = null;
  /** The chat as of the last batch written (null: unknown, the next batch reads it). */
  private state: ChatState | null = null;
  /** Batches written in one round trip, and the full way (tests, bench). */
  readonly counts = { fast: 0, full: 0 };

  /**
   * @param chatId the chat all messages belong to (read late: a room learns its name after construction)
   * @param committed called with each written batch's outcomes, in order, before its waiters
   *   are settled (the room fans the new messages out there)
   * @param keepAlive holds the object up while batches are pending (`ctx.waitUntil`)
   */
  constructor(
    private readonly chatId: () => string,
    private readonly committed: (outcomes: CommitOutcome[]) => void,
    private readonly keepAlive: (work: Promise<unknown>) => void,
  ) {}

  /** Resolves once D1 holds the message (or it was a replay); rejects with what refused it. */
  add(item: CommitItem): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) this.start();
    });
  }

  /** Settles once nothing is waiting or being written. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run() {
    // One turn of the event loop first: socket messages that arrived in the same read are
    // dispatched before the batch is cut, so a burst starts as one batch rather than 1 + rest.
    await new Promise((resolve) => setTimeout(resolve, 0));
    try {
      await this.drain();
    } finally {
      this.running = null;
      // A waiter's continuation may have added a message after the loop's last look (it runs
      // before this step): it would wait for a run that has ended.
      if (this.waiting.length > 0) this.start();
    }
  }

  private start() {
    this.running = this.run();
    this.keepAlive(this.running);
  }

  private async drain() {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      let outcomes: CommitOutcome[];
      try {
        outcomes = await this.commit(batch.map((waiter) => waiter.item));
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
        continue;
      }
      this.committed(outcomes);
      for (const [i, waiter] of batch.entries()) {
        const outcome = outcomes[i] ?? { ok: false, error: new Error("no outcome") };
        if (outcome.ok) waiter.resolve(outcome.result);
        else waiter.reject(outcome.error);
      }
    }
  }

  private async commit(items: CommitItem[]): Promise<CommitOutcome[]> {
    const state = this.state;
    this.state = null;
    if (state) {
      try {
        const fast = await commitMessagesFast(this.chatId(), items, state);
        if (fast) {
          this.counts.fast++;
          this.state = fast.state;
          return fast.outcomes;
        }
      } catch {
        // Refused by its guard (or D1 failed): nothing was stored; the full path judges it.
      }
    }
    this.counts.full++;
    return commitMessages(this.chatId(), items, (next) => (this.state = next));
  }
}
