// The floor of a D1 read (bench/run.mjs): no framework, no middleware, no auth, just what every
// audited list pays in wrangler dev's local runtime. `/` runs one D1 query (`select 1`); `/queue`
// runs it and then sends one small message to a queue (as an audited read sends its audit entry),
// whose consumer only acknowledges. `/session` does what `/queue` does inside a D1 session (read
// replication, as the API runs every request): started at the request's `x-d1-bookmark` when it
// sends one, else unconstrained, and answers the session's bookmark. Same runtime, compatibility
// date and flags as the API.
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    const session =
      path === "/session"
        ? env.DB.withSession(request.headers.get("x-d1-bookmark") || "first-unconstrained")
        : null;
    const row = await (session ?? env.DB).prepare("select 1 as one").first();
    if (path === "/queue" || session) {
      await env.JOBS.send({ type: "floor", at: Date.now() });
    }
    const headers = { "content-type": "application/json" };
    const bookmark = session?.getBookmark();
    if (bookmark) headers["x-d1-bookmark"] = bookmark;
    return new Response(JSON.stringify({ one: row?.one ?? null }), { headers });
  },
  async queue(batch) {
    batch.ackAll();
  },
};
