// Bench-only prototype of issue 21's other chat design: the room's own storage as the log of
// record, copied to D1 behind it. Not the product (party/chat-room.ts keeps D1 as the record); it
// exists so bench/chat.mjs can measure both designs with the same clients in the same run.
//
// `/chat-log/{room}`: per batch of socket messages (cut one event-loop turn after the first, as
// the real room's group commit), seqs are assigned in memory, each body is encrypted (AES-GCM,
// WebCrypto, a key made when the object starts), the batch goes into the object's SQLite in one
// synchronous transaction, then the sender gets `message:ack` and every socket
// `message:received`, in the real room's wire format. No await lies between the write and the
// sends, so the output gate holds them until the write is durable: acknowledged only once
// durable. An alarm copies the log to D1 in units of up to COPY_UNIT rows (each message and an
// audit row, one D1 batch) and deletes rows from the log only after D1 answered.
//
// `/chat-d1/{room}`: the same object, but each batch is one guarded D1 batch before the acks (the
// shipped design without the product's other work: validation schema, session checks, user
// streams, notifications): the storage choice alone, against the same room code.
//
// What the product would do and this does not: check the sender (token, session, membership),
// audit with the hash chain, publish to the participants' user streams, detect a replayed
// client_message_id once its row has left the log (a window table would). Non-hibernating sockets,
// as the real room (its messages arrive from one read loop, in order).
import { DurableObject } from "cloudflare:workers";

/** Most messages one batch takes, as the real room (party/chat-room.commit.ts). */
const MAX_BATCH = 50;
/** Rows one copy to D1 takes (two statements each: the message and its audit row). */
const COPY_UNIT = 200;
/** How long written rows wait before the alarm copies them: the copy runs in large units. */
const COPY_AFTER_MS = 250;

const D1_SCHEMA = [
  `create table if not exists messages (id text primary key, chat_id text not null,
    seq integer not null, sender_id text not null, type text not null, body_enc text,
    client_message_id text, created_at text not null, unique (chat_id, seq))`,
  `create table if not exists audit (id text primary key, action text not null,
    resource_id text not null, metadata text not null, created_at text not null)`,
  `create table if not exists chats (id text primary key, last_seq integer not null)`,
];

const toBase64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

export class ChatLog extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sockets = new Set();
    this.waiting = [];
    this.running = null;
    this.copyScheduled = false;
    this.d1Ready = null;
    this.counts = { batches: 0, copies: 0 };
    const sql = ctx.storage.sql;
    sql.exec(`create table if not exists log (seq integer primary key, id text not null,
      chat_id text not null, sender_id text not null, type text not null, body_enc text not null,
      client_message_id text, created_at text not null)`);
    sql.exec("create index if not exists log_client on log (client_message_id)");
    sql.exec("create table if not exists meta (k text primary key, v integer not null)");
    this.lastSeq = sql.exec("select v from meta where k = 'last_seq'").toArray()[0]?.v ?? 0;
    this.ctx.blockConcurrencyWhile(async () => {
      this.key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
        "encrypt",
      ]);
      this.copyScheduled = (await this.ctx.storage.getAlarm()) !== null;
    });
  }

  async fetch(request) {
    const url = new URL(request.url);
    const [, mode, room] = url.pathname.split("/");
    // The mode in the chat's id too: both modes share the D1 database.
    this.room = `${mode}:${room}`;
    this.mode = mode;
    if (request.headers.get("upgrade") !== "websocket") return Response.json(await this.status());
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    this.sockets.add(server);
    const sender = url.searchParams.get("user") ?? "bench-user";
    server.addEventListener("message", (event) => this.received(server, sender, event.data));
    const gone = () => this.sockets.delete(server);
    server.addEventListener("close", gone);
    server.addEventListener("error", gone);
    server.send(JSON.stringify({ event: "ready", data: { chat_id: room, user_id: sender } }));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** What the bench checks after a run: the log drained, D1 holding every message once. */
  async status() {
    const pending = this.ctx.storage.sql.exec("select count(*) as n from log").one().n;
    await this.schemaInD1();
    const d1 = await this.env.DB.prepare(
      "select count(*) as n, count(distinct seq) as seqs, max(seq) as last from messages where chat_id = ?",
    )
      .bind(this.room)
      .first();
    return { mode: this.mode, last_seq: this.lastSeq, pending, d1, counts: this.counts };
  }

  received(socket, sender, raw) {
    let input;
    try {
      input = JSON.parse(raw);
    } catch {
      input = null;
    }
    const data = input?.data;
    const ok =
      input?.event === "message:send" &&
      data?.type === "text" &&
      typeof data.content === "string" &&
      data.content.length > 0 &&
      typeof data.client_message_id === "string";
    if (!ok) {
      socket.send(JSON.stringify({ event: "error", data: { code: "VALIDATION_ERROR" } }));
      return;
    }
    this.waiting.push({ socket, sender, input: data });
    if (!this.running) this.start();
  }

  start() {
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.waiting.length > 0) this.start();
    });
    this.ctx.waitUntil(this.running);
  }

  async run() {
    // One turn first, as the real room: a burst read in one go becomes one batch.
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      try {
        const messages = await this.rows(batch);
        if (this.mode === "chat-d1") await this.writeD1(messages);
        else this.writeLog(messages);
        this.counts.batches++;
        // No await between the write and these sends: the output gate releases them once the
        // write is durable (chat-log), or D1 has answered (chat-d1).
        for (const [i, { socket, input }] of batch.entries()) {
          const message = messages[i].view;
          socket.send(
            JSON.stringify({
              event: "message:ack",
              data: { client_message_id: input.client_message_id, replayed: false, message },
            }),
          );
        }
        for (const { view } of messages) {
          const event = JSON.stringify({ event: "message:received", data: view });
          for (const peer of this.sockets) {
            try {
              peer.send(event);
            } catch {
              this.sockets.delete(peer);
            }
          }
        }
      } catch (error) {
        for (const { socket, input } of batch) {
          socket.send(
            JSON.stringify({
              event: "error",
              data: {
                code: "INTERNAL_SERVER_ERROR",
                message: "Not stored; retry with the same client_message_id",
                client_message_id: input.client_message_id,
              },
            }),
          );
        }
        console.error("chat-log batch failed", String(error));
      }
    }
  }

  /** Numbers and encrypts a batch (seqs in memory: the room is their authority here). */
  async rows(batch) {
    const now = new Date().toISOString();
    const first = this.lastSeq;
    const rows = await Promise.all(
      batch.map(async ({ sender, input }, i) => {
        const id = crypto.randomUUID();
        const iv = crypto.getRandomValues(new Uint8Array(12));
        const sealed = await crypto.subtle.encrypt(
          { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(`chat_message:${id}`) },
          this.key,
          new TextEncoder().encode(input.content),
        );
        const row = {
          id,
          seq: first + i + 1,
          sender,
          type: "text",
          bodyEnc: `${toBase64(iv)}.${toBase64(sealed)}`,
          clientId: input.client_message_id,
          createdAt: now,
        };
        const view = {
          id,
          chat_id: this.room,
          seq: row.seq,
          sender: { id: sender },
          type: "text",
          content: input.content,
          media_id: null,
          voice_seconds: null,
          transcription: null,
          transcribed_at: null,
          client_message_id: row.clientId,
          created_at: now,
          edited_at: null,
          deleted_at: null,
          is_read: false,
        };
        return { row, view };
      }),
    );
    return rows;
  }

  /** The log-of-record write: one synchronous SQLite transaction, then a copy is scheduled. */
  writeLog(messages) {
    const sql = this.ctx.storage.sql;
    const last = messages.at(-1).row.seq;
    this.ctx.storage.transactionSync(() => {
      for (const { row } of messages) {
        sql.exec(
          "insert into log (seq, id, chat_id, sender_id, type, body_enc, client_message_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
          row.seq,
          row.id,
          this.room,
          row.sender,
          row.type,
          row.bodyEnc,
          row.clientId,
          row.createdAt,
        );
      }
      sql.exec("insert or replace into meta (k, v) values ('last_seq', ?)", last);
    });
    this.lastSeq = last;
    if (!this.copyScheduled) {
      this.copyScheduled = true;
      this.ctx.storage.setAlarm(Date.now() + COPY_AFTER_MS);
    }
  }

  /** The D1-as-record write: one D1 batch, the first insert guarded by D1's last_seq. */
  async writeD1(messages) {
    await this.schemaInD1();
    const db = this.env.DB;
    const expected = this.lastSeq;
    const last = messages.at(-1).row.seq;
    const statements = messages.flatMap(({ row }, i) => [
      db
        .prepare(
          `insert into messages (id, chat_id, seq, sender_id, type, body_enc, client_message_id, created_at)
           values (?, ?, ${i === 0 ? "case when coalesce((select last_seq from chats where id = ?), 0) = ? then ? else null end" : "?"}, ?, ?, ?, ?, ?)`,
        )
        .bind(
          row.id,
          this.room,
          ...(i === 0 ? [this.room, expected, row.seq] : [row.seq]),
          row.sender,
          row.type,
          row.bodyEnc,
          row.clientId,
          row.createdAt,
        ),
      this.auditStatement(row),
    ]);
    statements.push(
      db
        .prepare(
          "insert into chats (id, last_seq) values (?, ?) on conflict (id) do update set last_seq = excluded.last_seq",
        )
        .bind(this.room, last),
    );
    await db.batch(statements);
    this.lastSeq = last;
  }

  auditStatement(row) {
    return this.env.DB.prepare(
      "insert or ignore into audit (id, action, resource_id, metadata, created_at) values (?, 'chat_message.created', ?, ?, ?)",
    ).bind(
      `a-${row.id}`,
      row.id,
      JSON.stringify({ chat_id: this.room, seq: row.seq, type: row.type }),
      row.createdAt,
    );
  }

  schemaInD1() {
    this.d1Ready ??= this.env.DB.batch(D1_SCHEMA.map((q) => this.env.DB.prepare(q))).catch(
      (error) => {
        this.d1Ready = null;
        throw error;
      },
    );
    return this.d1Ready;
  }

  /** Copies the log to D1, oldest first, in units; rows leave the log only once D1 has them. */
  async alarm() {
    await this.schemaInD1();
    const sql = this.ctx.storage.sql;
    const db = this.env.DB;
    const rows = sql
      .exec(
        "select seq, id, chat_id, sender_id, type, body_enc, client_message_id, created_at from log order by seq limit ?",
        COPY_UNIT,
      )
      .toArray();
    if (rows.length > 0) {
      const last = rows.at(-1).seq;
      // `or ignore`: a copy that reached D1 but whose delete was lost is simply done again.
      await db.batch([
        ...rows.flatMap((r) => [
          db
            .prepare(
              "insert or ignore into messages (id, chat_id, seq, sender_id, type, body_enc, client_message_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(
              r.id,
              r.chat_id,
              r.seq,
              r.sender_id,
              r.type,
              r.body_enc,
              r.client_message_id,
              r.created_at,
            ),
          this.auditStatement({
            id: r.id,
            seq: r.seq,
            type: r.type,
            createdAt: r.created_at,
          }),
        ]),
        db
          .prepare(
            "insert into chats (id, last_seq) values (?, ?) on conflict (id) do update set last_seq = max(last_seq, excluded.last_seq)",
          )
          .bind(rows[0].chat_id, last),
      ]);
      sql.exec("delete from log where seq <= ?", last);
      this.counts.copies++;
    }
    const left = sql.exec("select count(*) as n from log").one().n;
    // A full unit waiting goes at once; a smaller rest waits to grow.
    if (left > 0)
      await this.ctx.storage.setAlarm(Date.now() + (left >= COPY_UNIT ? 0 : COPY_AFTER_MS));
    else this.copyScheduled = false;
  }
}

export default {
  fetch(request, env) {
    const [, mode, room] = new URL(request.url).pathname.split("/");
    if (!room || (mode !== "chat-log" && mode !== "chat-d1")) return new Response("ok");
    return env.ChatLog.get(env.ChatLog.idFromName(`${mode}:${room}`)).fetch(request);
  },
};
