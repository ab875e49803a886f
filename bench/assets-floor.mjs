// `node bench/assets-floor.mjs`: what the asset layer alone costs in `wrangler dev`. Measures, in
// one run, the bare Worker (`new Response("ok")`), the same Worker behind an [assets] section
// with run_worker_first (as the API's wrangler.toml has: /docs-assets and /console are served
// from assets), and the API's GET /ping. If /ping is close to the second, the gap to the bare
// Worker is the local asset router (two extra Worker hops per request), not the app's code.
// Loopback only; bounded (about 3 minutes); every wrangler it starts is stopped at the end.
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
  const api = await startApi();
  started.push(api);
  const targets = [
    { name: "bare Worker", base: bare.base, path: "/" },
    { name: "bare Worker behind [assets] (run_worker_first)", base: behind.base, path: "/" },
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
  const ping = best[2].requests_per_s / best[1].requests_per_s;
  console.log(`\n/ping vs the bare Worker behind [assets]: ${ping.toFixed(2)}`);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(stopAll);
