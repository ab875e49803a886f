// What building a drizzle instance costs (src/lib/db.ts builds one per request for the request's
// D1 session, `ormForSession`): a profile of the week view named that function with 1.6 ms of
// self time per request, which this times directly, in Node, over a stand-in client (drizzle
// only keeps the client; it calls nothing on it while building).
//
//   node bench/orm-cost.mjs
import { drizzle } from "drizzle-orm/d1";

const client = { prepare() {}, batch() {} };
const builds = 200_000;
for (let i = 0; i < 10_000; i++) drizzle(client); // warm-up: the JIT as in a long-lived isolate
const started = performance.now();
for (let i = 0; i < builds; i++) drizzle(client);
const us = ((performance.now() - started) * 1000) / builds;
console.log(`drizzle(client): ${us.toFixed(3)} µs per build (${builds} builds)`);
