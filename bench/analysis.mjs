// `node bench/analysis.mjs`: ingest + movement analysis of a 10-minute 30 fps session (18,000
// frames × 33 landmarks, portrait 720×1280, 2 px noise) beside only JSON.parse of the same body,
// in the same run. src/analysis is bundled with esbuild (from node_modules) and run in Node, the
// same V8 as workerd. Loopback only, no server; bounded to a few runs (well under a minute).
import { build } from "esbuild";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./config.mjs";

const RUNS = 5;
const FPS = 30;
const MINUTES = 10;

const dir = mkdtempSync(join(tmpdir(), "rehab-analysis-bench-"));
try {
  await build({
    stdin: {
      contents: [
        `export { analyzeSession, classifyMotion } from "./src/analysis";`,
        `export { DEMOS, perform } from "./test/analysis/performances";`,
        `export { CANDIDATES } from "./test/analysis/catalog";`,
      ].join("\n"),
      resolveDir: ROOT,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "node",
    outfile: join(dir, "analysis.mjs"),
    logLevel: "error",
  });
  const m = await import(pathToFileURL(join(dir, "analysis.mjs")).href);
  const frameSize = { width: 720, height: 1280 };
  const config = m.CANDIDATES.find((c) => c.slug === "squat").config;

  // 10 minutes of squats (about 158 repetitions at 3.8 s each), rendered by the kinematic model.
  const reps = Math.floor((MINUTES * 60_000 - 800) / 3800);
  const script = m.perform(m.DEMOS.squat, { reps });
  script.wait(MINUTES * 60_000 - script.end - 1);
  const frames = script.frames(FPS, {
    camera: { view: "side", ...frameSize },
    noisePx: 2,
    seed: 1,
  });
  // Coordinates with the precision a client sends (MediaPipe's float32 printed to 5 decimals).
  const round = (l) => ({
    x: +l.x.toFixed(5),
    y: +l.y.toFixed(5),
    z: +l.z.toFixed(5),
    visibility: +l.visibility.toFixed(3),
  });
  for (const f of frames) f.landmarks = f.landmarks.map(round);
  const body = JSON.stringify({ frame_size: frameSize, frames });

  const time = (fn) => {
    const t0 = performance.now();
    const out = fn();
    return [performance.now() - t0, out];
  };
  const parse = [];
  const analyse = [];
  const whole = [];
  let result = null;
  for (let i = 0; i < RUNS; i++) {
    parse.push(time(() => JSON.parse(body))[0]);
    const parsed = JSON.parse(body);
    const [ms, r] = time(() => m.analyzeSession(parsed.frames, config, { frameSize }));
    analyse.push(ms);
    result = r;
    whole.push(
      time(() => {
        const p = JSON.parse(body);
        return m.analyzeSession(p.frames, config, { frameSize: p.frame_size });
      })[0],
    );
  }
  const [classifyMs] = time(() => m.classifyMotion(frames, m.CANDIDATES, { frameSize }));
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = (name, ms) =>
    `| ${name} | ${ms.toFixed(0)} ms | ${Math.round(frames.length / (ms / 1000)).toLocaleString("en")} frames/s |`;
  console.log(
    `\nMovement analysis, ${frames.length} frames (${MINUTES} min at ${FPS} fps), body ${(body.length / 1e6).toFixed(1)} MB, median of ${RUNS} runs, Node ${process.version}\n`,
  );
  console.log("| step | time | throughput |\n| --- | ---: | ---: |");
  console.log(row("JSON.parse only (baseline)", median(parse)));
  console.log(row("analyzeSession only", median(analyse)));
  console.log(row("ingest: JSON.parse + analyzeSession", median(whole)));
  console.log(row("classifyMotion (10 catalog candidates)", classifyMs));
  console.log(
    `\nresult: ${result.rep_count} reps (${reps} performed), quality ${result.quality_score}, ${result.primary_series.length} chart points`,
  );
  const cheaper = median(analyse) < median(parse);
  console.log(`analysis cheaper than the parse: ${cheaper ? "yes" : "NO"}`);
  console.log(`whole session under 2 s: ${median(whole) < 2000 ? "yes" : "no"}`);
  console.log(`load average during the run: ${loadavg()[0].toFixed(1)} on this machine`);
  process.exitCode = cheaper ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
