// Server time per frame of the live room, measured where clocks are real: workerd freezes
// Date.now() and performance.now() while JavaScript runs (they only advance across I/O), so the
// room cannot time itself. This bundles the room's own per-frame module (party/live-feedback.ts:
// size and JSON check, flat frame check, resend filter, incremental analysis, feedback
// serialisation) with esbuild, runs it in Node on the same wire messages the bench sends, and
// times every frame with performance.now(). What it leaves out is the runtime's share (socket
// I/O, dispatch), which the round trip beside the echo shows.
import { build } from "esbuild";
import { join } from "node:path";
import { ROOT } from "./config.mjs";

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const us = (ms) => +(ms * 1000).toFixed(1);

async function loadPipeline(outDir) {
  const outfile = join(outDir, "live-feedback.mjs");
  await build({
    stdin: {
      contents: [
        'export { FeedbackPipeline, parseLiveMessage } from "./party/live-feedback.ts";',
        'export { LOWER_BODY } from "./src/modules/exercise-types/exercise-types.catalog-lower.ts";',
        'export { AnalysisConfig } from "./src/modules/exercise-types/exercise-types.analysis.ts";',
      ].join("\n"),
      resolveDir: ROOT,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outfile,
    logLevel: "error",
  });
  return import(`${outfile}?t=${Date.now()}`);
}

/**
 * Times `frames` one-frame messages (after `warmup` untimed ones, so the JIT has settled as it
 * has in a room that has run for a while) through one session's pipeline. `makeFrame(timestamp)`
 * gives the frame; `frameSize` is sent with every message as the bench's devices do.
 */
export async function measureFrameCost({
  outDir,
  makeFrame,
  frameSize,
  fps = 30,
  frames = 15_000,
  warmup = 3_000,
}) {
  const { FeedbackPipeline, parseLiveMessage, LOWER_BODY, AnalysisConfig } =
    await loadPipeline(outDir);
  // Parsed as the Worker parses the catalog's config before handing it to the room.
  const squat = AnalysisConfig.parse(LOWER_BODY.find((e) => e.slug === "squat").analysis);
  const pipeline = new FeedbackPipeline(squat, frameSize);
  const total = warmup + frames;
  const samples = new Float64Array(frames);
  let answered = 0;
  for (let i = 0; i < total; i++) {
    // The wire text is made outside the timed part (producing it is the client's cost), one
    // message at a time: holding 18,000 of them would make the timing measure the GC of the
    // bench's own strings.
    const text = JSON.stringify({
      type: "frames",
      frames: [makeFrame(1000 + Math.round((i * 1000) / fps))],
      frame_size: frameSize,
    });
    const started = performance.now();
    const msg = parseLiveMessage(text);
    if (msg.type !== "frames") throw new Error(`refused: ${JSON.stringify(msg)}`);
    const { reply } = pipeline.accept(msg.frames, msg.frame_size ?? null);
    const took = performance.now() - started;
    if (i < warmup) continue;
    samples[i - warmup] = took;
    if (reply.length > 0) answered++;
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    frames,
    answered,
    p50_us: us(quantile(sorted, 0.5)),
    p99_us: us(quantile(sorted, 0.99)),
    mean_us: us(mean),
    /** Frames a second one thread could answer at this cost (the runtime's share aside). */
    frames_per_second_one_core: Math.round(1000 / mean),
  };
}
