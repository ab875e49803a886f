// Extra benchmark suites run by `npm run bench` after the main run, one line each: a path (from
// the repository root) to a standalone script that starts its own Worker(s), measures, prints its
// results and exits 0 on success. Each runs alone (the main run's Workers are stopped by then),
// within the time left before the overall deadline; its exit code is reported.
export const SUITES = [
  "bench/analysis.mjs", // movement analysis of a 10-minute 30 fps session beside JSON.parse
  "bench/sessions.mjs", // pose-data ingest and completion through the API beside JSON.parse
  "bench/live.mjs", // live feedback round trip, 50 devices at 30 fps, beside an echo Durable Object
  "bench/pose.mjs", // server-side pose inference beside decoding the same image
  "bench/assets-floor.mjs", // /ping split: bare, behind [assets], with /ping's response, /ping
  "bench/chat.mjs", // chat fan-out to 50 listening sockets beside a fan-out echo Durable Object
  "bench/calls.mjs", // call room relay (offer → answer) beside the room's own ping echo
];
