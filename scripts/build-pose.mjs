// Bundles the pose Worker (pose/wrangler.toml) into pose/dist with wrangler, as it would deploy:
// index.js plus its Data (.bin model weights) and CompiledWasm modules. The tests load that
// bundle as an auxiliary worker. Skips the build when the bundle is newer than its sources.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "pose/dist");
const bundle = join(out, "index.js");

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

export function buildPoseWorker({ force = false } = {}) {
  const sources = Math.max(
    newest(join(root, "pose/src")),
    statSync(join(root, "pose/wrangler.toml")).mtimeMs,
    statSync(join(root, "package-lock.json")).mtimeMs,
  );
  if (!force && existsSync(bundle) && statSync(bundle).mtimeMs > sources) return out;
  const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");
  const result = spawnSync(
    process.execPath,
    [
      wrangler,
      "deploy",
      "--dry-run",
      "--outdir",
      out,
      "-c",
      join(root, "pose/wrangler.toml"),
      "--env",
      "",
    ],
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1" },
    },
  );
  if (result.status !== 0) throw new Error("building the pose Worker failed");
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`pose Worker bundled in ${buildPoseWorker({ force: true })}`);
}
