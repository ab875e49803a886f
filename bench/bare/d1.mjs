// The floors of a D1 read (bench/run.mjs): no framework, no middleware, no auth, just what every
// audited list pays in wrangler dev's local runtime. Same runtime, compatibility date and flags as
// the API.
//
// The reads' floors: `/replay/<plan>/<read>` runs exactly the D1 batches the API ran for that read
// (recorded by bench/capture-entry.mjs, passed in the `REPLAY` var as
// `{ plan: { read: steps } }`), with the same SQL and bound params in the same order, on `DATA`:
// a copy of the API's seeded database. Like the API it runs them in a D1 session (started at the
// request's `x-d1-bookmark` when it sends one, else where the API started its session), sends the
// recorded audit message to a queue set up as the API's (`AUDIT`, batches of up to 100; its
// consumer only acknowledges, where the API's stores the entries), and answers the rows of every
// statement as JSON (so it pays serialisation too), with `x-bench-io: d1=…;queue=…` (its waits,
// as bench/timed-entry.mjs reports the API's). `/counts`: the row count of every table of `DATA`.
//
// References, on an empty database of their own (`DB`): `/` runs `select 1`; `/queue` runs it and
// then sends one small message to a queue (as an audited read sends its audit entry), whose
// consumer only acknowledges. `/session` does what `/queue` does inside a D1 session (read
// replication, as the API runs every request): started at the request's `x-d1-bookmark` when it
// sends one, else unconstrained, and answers the session's bookmark.
let plans = null;

function bytes(base64) {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

const param = (value) =>
  value !== null && typeof value === "object" && "$bytes" in value ? bytes(value.$bytes) : value;

/** Runs one recorded request's steps; resolves to the rows of every statement. */
async function replay(steps, env, bookmark) {
  const start = steps.find((s) => s.kind === "session");
  const db = start
    ? env.DATA.withSession(bookmark || start.start || "first-unconstrained")
    : env.DATA;
  const results = [];
  // The waits, as bench/timed-entry.mjs reports the API's (workerd's clock moves only across I/O).
  const io = { d1: 0, queue: 0 };
  const timed = async (kind, promise) => {
    const start = Date.now();
    try {
      return await promise;
    } finally {
      io[kind] += Date.now() - start;
    }
  };
  for (const step of steps) {
    if (step.kind === "batch") {
      const statements = step.statements.map((s) => db.prepare(s.sql).bind(...s.params.map(param)));
      for (const answer of await timed("d1", db.batch(statements))) results.push(answer.results);
    } else if (step.kind === "queue") {
      await timed("queue", (env[step.binding] ?? env.JOBS).send(step.body));
    } else if (step.kind !== "session") {
      const statement = db.prepare(step.sql).bind(...step.params.map(param));
      const answer = await timed("d1", statement[step.kind]());
      results.push(step.kind === "first" ? [answer] : (answer.results ?? answer));
    }
  }
  return { results, bookmark: db.getBookmark?.() ?? null, io };
}

// Twin of `counts` in bench/capture-entry.mjs: each file runs as a single module (no shared import).
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

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    const headers = { "content-type": "application/json" };
    if (path.startsWith("/replay/")) {
      const [plan, read] = path.slice("/replay/".length).split("/");
      plans ??= JSON.parse(env.REPLAY ?? "{}");
      const steps = plans[plan]?.[read];
      if (!steps) return new Response(`no recorded read ${plan}/${read}`, { status: 404 });
      const { results, bookmark, io } = await replay(
        steps,
        env,
        request.headers.get("x-d1-bookmark"),
      );
      if (bookmark) headers["x-d1-bookmark"] = bookmark;
      headers["x-bench-io"] = `d1=${io.d1};queue=${io.queue}`;
      return new Response(JSON.stringify({ results }), { headers });
    }
    if (path === "/counts")
      return new Response(JSON.stringify(await counts(env.DATA)), { headers });
    const session =
      path === "/session"
        ? env.DB.withSession(request.headers.get("x-d1-bookmark") || "first-unconstrained")
        : null;
    const row = await (session ?? env.DB).prepare("select 1 as one").first();
    if (path === "/queue" || session) {
      await env.JOBS.send({ type: "floor", at: Date.now() });
    }
    const bookmark = session?.getBookmark();
    if (bookmark) headers["x-d1-bookmark"] = bookmark;
    return new Response(JSON.stringify({ one: row?.one ?? null }), { headers });
  },
  async queue(batch) {
    batch.ackAll();
  },
};
