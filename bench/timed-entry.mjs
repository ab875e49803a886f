// Bench-only (bench/profile.mjs): wraps the API's D1 and queue bindings in timers, so a request's
// I/O waits can be split by kind; the app's code is unchanged. bench/server.mjs appends this file
// to a copy of the bundle (.wrangler/bench-build/timed.mjs) and makes the wrapped handler its
// default export (one module: wrangler's --no-bundle would not pick up a second one).
//
// workerd's clock stands still while JavaScript runs and moves only across I/O, so Date.now()
// around an awaited D1 call or queue send measures exactly the wait for it. Requests must be sent
// one at a time (the totals are per isolate). The answer carries `x-bench-io: d1=…;queue=…;d1_calls=…`.
export function __benchTimedWorker(worker) {
  let d1 = 0;
  let queue = 0;
  let d1Calls = 0;

  async function timed(kind, promise) {
    const start = Date.now();
    try {
      return await promise;
    } finally {
      if (kind === "d1") {
        d1 += Date.now() - start;
        d1Calls += 1;
      } else queue += Date.now() - start;
    }
  }

  const RAW = Symbol("raw statement");
  const unwrap = (statement) => statement?.[RAW] ?? statement;

  function statement(raw) {
    return {
      [RAW]: raw,
      bind: (...values) => statement(raw.bind(...values)),
      all: () => timed("d1", raw.all()),
      raw: (options) => timed("d1", raw.raw(options)),
      first: (column) => timed("d1", raw.first(column)),
      run: () => timed("d1", raw.run()),
    };
  }

  function database(db) {
    return {
      prepare: (sql) => statement(db.prepare(sql)),
      batch: (statements) => timed("d1", db.batch(statements.map(unwrap))),
      exec: (sql) => timed("d1", db.exec(sql)),
      withSession: (...args) => session(db.withSession(...args)),
      dump: () => db.dump(),
    };
  }

  // The API runs every request's queries in a D1 session (read replication): time those too.
  // No `withSession` on it: src/lib/db.ts tells a session from a database by that.
  function session(s) {
    return {
      prepare: (sql) => statement(s.prepare(sql)),
      batch: (statements) => timed("d1", s.batch(statements.map(unwrap))),
      getBookmark: () => s.getBookmark(),
    };
  }

  function jobs(queueBinding) {
    return {
      send: (body, options) => timed("queue", queueBinding.send(body, options)),
      sendBatch: (messages, options) => timed("queue", queueBinding.sendBatch(messages, options)),
    };
  }

  // One wrapped env per real env: the app caches per env object (drizzle instance, cipher).
  const wrapped = new WeakMap();
  function wrap(env) {
    let copy = wrapped.get(env);
    if (!copy) {
      copy = { ...env, DB: database(env.DB), JOBS: jobs(env.JOBS), AUDIT: jobs(env.AUDIT) };
      wrapped.set(env, copy);
    }
    return copy;
  }

  return {
    ...worker,
    async fetch(request, env, ctx) {
      d1 = 0;
      queue = 0;
      d1Calls = 0;
      const response = await worker.fetch(request, wrap(env), ctx);
      const out = new Response(response.body, response);
      out.headers.set("x-bench-io", `d1=${d1};queue=${queue};d1_calls=${d1Calls}`);
      return out;
    },
  };
}
