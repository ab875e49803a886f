// The floor of a D1 read (bench/run.mjs): no framework, no middleware, no auth, just what every
// audited list pays in wrangler dev's local runtime. `/` runs one D1 query (`select 1`); `/queue`
// runs it and then sends one small message to a queue (as an audited read sends its audit entry),
// whose consumer only acknowledges. Same runtime, compatibility date and flags as the API.
export default {
  async fetch(request, env) {
    const row = await env.DB.prepare("select 1 as one").first();
    if (new URL(request.url).pathname === "/queue") {
      await env.JOBS.send({ type: "floor", at: Date.now() });
    }
    return new Response(JSON.stringify({ one: row?.one ?? null }), {
      headers: { "content-type": "application/json" },
    });
  },
  async queue(batch) {
    batch.ackAll();
  },
};
