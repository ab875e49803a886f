/**
 * The replay log of one user's event stream, in the Durable Object's own SQLite storage.
 *
 * Invariants: every stored event has a per-user `seq`, strictly increasing and never reused (the
 * last one given is kept in `stream_meta`, so pruning every row does not restart the count);
 * events stay at least `RETENTION_MS` (24 h) and are pruned after that; a device's cursor only
 * moves forward and never past the last seq given. Event data may be patient data (message
 * bodies): the stream stores it sealed with the PHI cipher (`data` is ciphertext, bound to `ref`);
 * this file never sees plaintext. All calls are synchronous SQLite.
 */

/** How long events stay replayable (the guarantee is "at least"; pruning happens after). */
export const RETENTION_MS = 24 * 60 * 60 * 1000;

/** Device cursors untouched this long are forgotten. */
export const CURSOR_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** The most events one reconnect replays; beyond that the client resyncs over HTTP instead. */
export const MAX_REPLAY = 5000;

/** `chatId`: the chat a `message:*` event belongs to (an id, not patient data), for the replay's access filter. */
export type StoredEvent = {
  seq: number;
  event: string;
  sealed: string;
  ref: string;
  chatId: string | null;
};

export type ReplayPlan =
  | { kind: "replay"; events: StoredEvent[] }
  | { kind: "resync"; reason: "too_old" | "ahead" | "too_many" };

export class EventLog {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS stream_events (
      seq INTEGER PRIMARY KEY, event TEXT NOT NULL, sealed TEXT NOT NULL, ref TEXT NOT NULL,
      at INTEGER NOT NULL)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS stream_events_at ON stream_events(at)`);
    // Logs created before events carried their chat: add the column once (older rows: null).
    const columns = sql.exec<{ name: string }>(`PRAGMA table_info(stream_events)`).toArray();
    if (!columns.some((c) => c.name === "chat_id")) {
      sql.exec(`ALTER TABLE stream_events ADD COLUMN chat_id TEXT`);
    }
    sql.exec(`CREATE TABLE IF NOT EXISTS stream_cursors (
      device_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL)`);
    sql.exec(
      `CREATE TABLE IF NOT EXISTS stream_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
    );
  }

  /** The last seq given (0 before the first event). */
  latest(): number {
    const row = this.sql
      .exec<{ value: number }>(`SELECT value FROM stream_meta WHERE key = 'last_seq'`)
      .toArray()[0];
    return row?.value ?? 0;
  }

  /** The oldest seq still stored, or `latest() + 1` when nothing is. */
  oldest(): number {
    const row = this.sql
      .exec<{ seq: number | null }>(`SELECT min(seq) AS seq FROM stream_events`)
      .toArray()[0];
    return row?.seq ?? this.latest() + 1;
  }

  /** Stores a sealed event under the next seq and prunes what is past retention; returns the seq. */
  append(
    event: string,
    sealed: string,
    ref: string,
    chatId: string | null = null,
    now = Date.now(),
  ): number {
    const seq = this.latest() + 1;
    this.sql.exec(
      `INSERT INTO stream_meta (key, value) VALUES ('last_seq', ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      seq,
    );
    this.sql.exec(
      `INSERT INTO stream_events (seq, event, sealed, ref, chat_id, at) VALUES (?, ?, ?, ?, ?, ?)`,
      seq,
      event,
      sealed,
      ref,
      chatId,
      now,
    );
    this.prune(now);
    return seq;
  }

  /** Drops events older than the retention and cursors of devices long gone. */
  prune(now = Date.now()) {
    this.sql.exec(`DELETE FROM stream_events WHERE at < ?`, now - RETENTION_MS);
    this.sql.exec(`DELETE FROM stream_cursors WHERE at < ?`, now - CURSOR_TTL_MS);
  }

  /**
   * What a client that has seen everything up to `since` needs: the later events in order, or a
   * resync when some of them are gone (pruned), when `since` is beyond the last seq (the client
   * holds a stream this log never gave), or when there are too many to replay.
   */
  plan(since: number): ReplayPlan {
    const latest = this.latest();
    if (since > latest) return { kind: "resync", reason: "ahead" };
    if (since === latest) return { kind: "replay", events: [] };
    if (since + 1 < this.oldest()) return { kind: "resync", reason: "too_old" };
    if (latest - since > MAX_REPLAY) return { kind: "resync", reason: "too_many" };
    const events = this.sql
      .exec<StoredEvent>(
        `SELECT seq, event, sealed, ref, chat_id AS chatId FROM stream_events WHERE seq > ? ORDER BY seq`,
        since,
      )
      .toArray();
    return { kind: "replay", events };
  }

  /** The device's acknowledged seq, if it has one. */
  cursor(deviceId: string): number | null {
    const row = this.sql
      .exec<{ seq: number }>(`SELECT seq FROM stream_cursors WHERE device_id = ?`, deviceId)
      .toArray()[0];
    return row?.seq ?? null;
  }

  /** Moves the device's cursor forward to `seq` (never back); returns the cursor kept. */
  acknowledge(deviceId: string, seq: number, now = Date.now()): number {
    this.sql.exec(
      `INSERT INTO stream_cursors (device_id, seq, at) VALUES (?, ?, ?)
       ON CONFLICT(device_id) DO UPDATE SET seq = max(seq, excluded.seq), at = excluded.at`,
      deviceId,
      seq,
      now,
    );
    return this.cursor(deviceId) ?? seq;
  }
}
