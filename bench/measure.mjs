// One measurement: a warm-up, then a fixed number of requests at a fixed concurrency, driven by
// autocannon. Latencies are kept per request (exact percentiles, including p95, which autocannon's
// summary lacks); throughput is completed requests over the time from start to last answer.
import autocannon from "autocannon";

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** Runs `amount` requests; resolves to the raw latencies, status counts and elapsed time. */
function fire({ url, headers, amount, concurrency }) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const statuses = {};
    let started = 0;
    let lastAnswer = 0;
    const done = (error, result) => {
      if (error) reject(error);
      else resolve({ latencies, statuses, result, seconds: (lastAnswer - started) / 1000 });
    };
    const options = { url, headers, amount, connections: concurrency, pipelining: 1, timeout: 30 };
    const instance = autocannon(options, done);
    instance.on("start", () => (started = performance.now()));
    instance.on("response", (_client, status, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses[status] = (statuses[status] ?? 0) + 1;
      lastAnswer = performance.now();
    });
  });
}

const round = (v) => (v === null ? null : Math.round(v * 100) / 100);

/** Percentiles, throughput and error counts of one run. */
function summarise(run) {
  const sorted = run.latencies.toSorted((a, b) => a - b);
  const answered = sorted.length;
  const non2xx = Object.entries(run.statuses)
    .filter(([status]) => !status.startsWith("2"))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    answered,
    requests_per_s: round(answered / Math.max(run.seconds, 0.001)),
    latency_ms: {
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      mean: round(sorted.reduce((s, v) => s + v, 0) / Math.max(answered, 1)),
      max: round(sorted.at(-1) ?? null),
    },
    errors: non2xx + run.result.errors, // autocannon counts timeouts among its errors
    statuses: run.statuses,
    timeouts: run.result.timeouts,
  };
}

/**
 * Measures `GET base + path` with the load shape of `load` ({ warmup, requests, concurrency }),
 * then, for reference, `load.serialRequests` requests one at a time (latency without queueing).
 * `headers()` is called once per phase (a fresh access token each time).
 */
export async function measure({ name, base, path, headers = () => ({}), load }) {
  const url = base + path;
  const shape = { url, concurrency: load.concurrency };
  if (load.warmup > 0) await fire({ ...shape, headers: await headers(), amount: load.warmup });
  const main = summarise(await fire({ ...shape, headers: await headers(), amount: load.requests }));
  const serial =
    load.serialRequests > 0
      ? summarise(
          await fire({
            url,
            concurrency: 1,
            headers: await headers(),
            amount: load.serialRequests,
          }),
        )
      : null;
  return { name, path, requests: load.requests, concurrency: load.concurrency, ...main, serial };
}
