// Bench-only (bench/run.mjs): records the D1 statements and queue sends of one API request, so the
// reads' floor (bench/bare/d1.mjs `/replay/…`) can run exactly the same batches on the same data.
// The app's code is unchanged: bench/server.mjs appends this file to a copy of the bundle
// (.wrangler/bench-build/capture.mjs) and makes the wrapped handler its default export, as it does
// for bench/timed-entry.mjs.
//
// A request carrying `x-bench-capture` is recorded from the moment the Worker gets it until its
// answer is returned (work after the answer, `waitUntil`, is not part of what the client waits
// for and is left out); `GET /__bench/captured` then answers the record:
//   [{ kind: "session", start }, { kind: "batch", statements: [{ sql, params }] },
//    { kind: "first" | "all" | "raw" | "run", sql, params }, { kind: "queue", binding, body }]
// Byte params are written as `{ $bytes: "<base64>" }`. `GET /__bench/counts` answers the row count
// of every table of the API's database (to check the floor's copy against). Other requests pass
// through; nothing is recorded for them.
export function __benchCaptureWorker(worker) {
  let recording = null;
  let last = null;

  const record = (step) => recording?.push(step);

  function encode(value) {
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
      const bytes =
        value instanceof ArrayBuffer
          ? new Uint8Array(value)
          : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      let text = "";
      for (const byte of bytes) text += String.fromCharCode(byte);
      return { $bytes: btoa(text) };
    }
    if (typeof value === "bigint") return Number(value);
    return value;
  }

  const RAW = Symbol("raw statement");
  const unwrap = (statement) => statement?.[RAW] ?? statement;

  function statement(raw, sql, params) {
    const single = (kind, call) => {
      record({ kind, sql, params: params.map(encode) });
      return call();
    };
    return {
      [RAW]: raw,
      sql,
      params,
      bind: (...values) => statement(raw.bind(...values), sql, values),
      all: () => single("all", () => raw.all()),
      raw: (options) => single("raw", () => raw.raw(options)),
      first: (column) => single("first", () => raw.first(column)),
      run: () => single("run", () => raw.run()),
    };
  }

  function batch(target, statements) {
    record({
      kind: "batch",
      statements: statements.map((s) => ({ sql: s.sql, params: (s.params ?? []).map(encode) })),
    });
    return target.batch(statements.map(unwrap));
  }

  function database(db) {
    return {
      prepare: (sql) => statement(db.prepare(sql), sql, []),
      batch: (statements) => batch(db, statements),
      exec: (sql) => {
        record({ kind: "exec", sql, params: [] });
        return db.exec(sql);
      },
      withSession: (start) => {
        record({ kind: "session", start: start ?? null });
        return session(db.withSession(start));
      },
      dump: () => db.dump(),
    };
  }

  // No `withSession` on it: src/lib/db.ts tells a session from a database by that.
  function session(s) {
    return {
      prepare: (sql) => statement(s.prepare(sql), sql, []),
      batch: (statements) => batch(s, statements),
      getBookmark: () => s.getBookmark(),
    };
  }

  function queue(name, binding) {
    return {
      send: (body, options) => {
        record({ kind: "queue", binding: name, body });
        return binding.send(body, options);
      },
      sendBatch: (messages, options) => {
        for (const m of messages) record({ kind: "queue", binding: name, body: m.body });
        return binding.sendBatch(messages, options);
      },
    };
  }

  // One wrapped env per real env: the app caches per env object (drizzle instance, cipher).
  const wrapped = new WeakMap();
  function wrap(env) {
    let copy = wrapped.get(env);
    if (!copy) {
      copy = {
        ...env,
        DB: database(env.DB),
        JOBS: queue("JOBS", env.JOBS),
        AUDIT: queue("AUDIT", env.AUDIT),
      };
      wrapped.set(env, copy);
    }
    return copy;
  }

  // Twin of `counts` in bench/bare/d1.mjs: each file runs as a single module (no shared import).
  async function counts(db) {
    const tables = await db
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' order by name",
      )
      .all();
    const out = {};
    for (const { name } of tables.results) {
      const row = await db.prepare(`select count(*) as n from "${name}"`).first();
      out[name] = row.n;
    }
    return out;
  }

  const json = (value) =>
    new Response(JSON.stringify(value), { headers: { "content-type": "application/json" } });

  return {
    ...worker,
    async fetch(request, env, ctx) {
      const path = new URL(request.url).pathname;
      if (path === "/__bench/captured") return json(last);
      if (path === "/__bench/counts") return json(await counts(env.DB));
      if (!request.headers.has("x-bench-capture")) return worker.fetch(request, wrap(env), ctx);
      recording = [];
      try {
        const response = await worker.fetch(request, wrap(env), ctx);
        last = { status: response.status, steps: recording };
        return response;
      } finally {
        recording = null;
      }
    },
  };
}
