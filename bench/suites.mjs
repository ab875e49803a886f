// Extra benchmark suites run by `npm run bench` after the main run, one line each: a path (from
// the repository root) to a standalone script that starts its own Worker(s), measures, prints its
// results and exits 0 on success. Each runs alone (the main run's Workers are stopped by then),
// within the time left before the overall deadline; its exit code is reported.
export const SUITES = [
  // "bench/perf.mjs",
];
