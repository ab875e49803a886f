// `node bench/assets-floor.mjs`: what /ping's fixed cost is made of in `wrangler dev`. Measures,
// in one run and alternating: the bare Worker (`new Response("ok")`); the same Worker behind an
// [assets] section with run_worker_first (what the API had before its files moved to the
// assets-only Worker: the local asset layer alone); the bare Worker answering /ping's exact
// headers and body (bench/bare/shaped.mjs: the response's own cost, no app code); and the API's
// GET /ping. bare → shaped is the price of the response (19 headers, the envelope), shaped →
// /ping the app's code (routing, middleware, context).
// Loopback only; bounded (about 4 minutes); every wrangler it starts is stopped at the end.
import { loadavg } from "node:os";
import { measure } from "./measure.mjs";
import { ensureDevVars, resetBenchState, startApi, startBare } from "./server.mjs";

const load = {
  warmup: 100,
  requests: Number(process.env.BENCH_FLOOR_REQUESTS ?? 1000),
  concurrency: 16,
  serialRequests: 200,
};
const started = [];
const stopAll = () => Promise.all(started.map((w) => w.stop?.()));

async function main() {
  ensureDevVars();
  // Keeps the main run's seeded data (BENCH_REUSE=1 can measure it again); /ping needs none.
  resetBenchState({ keepData: true });
  const bare = await startBare();
  started.push(bare);
  const behind = await startBare({ assets: true });
  started.push(behind);
  const shaped = await startBare({ shaped: true });
  started.push(shaped);
  const api = await startApi();
  started.push(api);
  const targets = [
    { name: "bare Worker", base: bare.base, path: "/" },
    { name: "bare Worker behind [assets] (run_worker_first)", base: behind.base, path: "/" },
    { name: "bare Worker answering /ping's headers and body", base: shaped.base, path: "/" },
    { name: "API GET /ping", base: api.base, path: "/ping" },
  ];
  // Two rounds, alternating, so a burst of load on this shared machine hits all of them.
  const rounds = [[], []];
  for (const round of rounds) {
    for (const t of targets) round.push(await measure({ ...t, load }));
  }
  const best = targets.map((_, i) =>
    rounds.map((r) => r[i]).reduce((a, b) => (b.requests_per_s > a.requests_per_s ? b : a)),
  );
  const floor = best[0].requests_per_s;
  console.log(`\nAsset layer floor, best of 2 rounds, load average ${loadavg()[0].toFixed(1)}\n`);
  console.log("| target | req/s (16 in flight) | vs bare | 1 at a time p50 ms |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const m of best) {
    const ratio = (m.requests_per_s / floor).toFixed(2);
    console.log(
      `| ${m.name} | ${Math.round(m.requests_per_s)} | ${ratio} | ${m.serial?.latency_ms.p50} |`,
    );
  }
  const shape = best[2].requests_per_s / floor;
  const app = best[3].requests_per_s / best[2].requests_per_s;
  console.log(`\n/ping's response shape alone: ${shape.toFixed(2)} of bare`);
  console.log(
    `/ping vs the bare Worker with the same response (the app's code): ${app.toFixed(2)}`,
  );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(stopAll);
