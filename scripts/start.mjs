// `npm start`: the API on the real runtime (wrangler dev --local: workerd with local D1, R2,
// Durable Objects, Queues and cron) together with the pose estimator Worker (pose/wrangler.toml,
// reached over the POSE service binding) and the assets-only Worker (assets/wrangler.toml: the
// files of public/, reached over the ASSETS service binding), migrations applied, the demo clinic seeded, logins printed.
// No Cloudflare login is needed: the default config has no [ai] binding (the embedded AI
// provider answers). PORT changes the port (default 8787). For test harnesses (test/e2e/harness.ts):
// PERSIST_TO keeps D1/R2/DO state in that directory instead of .wrangler/state, INSPECTOR_PORT
// moves wrangler's inspector off its default 9229, READY_FILE receives the seed answer as JSON
// (base URL, logins, password) once the server is up.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const port = Number(process.env.PORT ?? 8787);
const base = `http://127.0.0.1:${port}`;
const persist = process.env.PERSIST_TO ? ["--persist-to", process.env.PERSIST_TO] : [];
const inspector = process.env.INSPECTOR_PORT
  ? ["--inspector-port", process.env.INSPECTOR_PORT]
  : [];
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CI: process.env.CI ?? "1",
  NO_UPDATE_NOTIFIER: "1",
};
const wrangler = new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url).pathname;

for (const script of ["./vendor-docs.mjs", "./build-console.mjs"]) {
  const built = spawnSync(process.execPath, [new URL(script, import.meta.url).pathname], {
    stdio: "inherit",
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

// Local secrets, generated once per checkout and kept out of git.
const vars = new URL("../.dev.vars", import.meta.url).pathname;
if (!existsSync(vars)) {
  const key = () => randomBytes(32).toString("base64url");
  writeFileSync(
    vars,
    [
      `JWT_SECRET=${key()}`,
      `PHI_KEYS=k1:${key()}`,
      "PHI_ACTIVE_KEY_ID=k1",
      `BLIND_INDEX_KEY=${key()}`,
      `AUDIT_HMAC_KEY=${key()}`,
      `PASSWORD_PEPPER=${key()}`,
      `DEV_SEED_TOKEN=${key()}`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  console.log("Created .dev.vars with fresh local secrets.");
}
const seedToken = /^DEV_SEED_TOKEN=(.*)$/m.exec(readFileSync(vars, "utf8"))?.[1];

const migrate = spawnSync(
  process.execPath,
  [wrangler, "d1", "migrations", "apply", "DB", "--local", ...persist],
  { stdio: "inherit", env },
);
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn(
  process.execPath,
  [
    wrangler,
    "dev",
    "-c",
    "wrangler.toml",
    "-c",
    "pose/wrangler.toml",
    "-c",
    "assets/wrangler.toml",
    "--local",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--show-interactive-dev-session=false",
    // Signed media URLs and magic links are built from APP_BASE_URL: follow the actual port.
    "--var",
    `APP_BASE_URL:${base}`,
    // Rate limits and session limits from the environment (e.g. the e2e harness raises the
    // general rate limits: its browser and sockets make hundreds of requests a minute).
    ...Object.entries(process.env)
      .filter(([name]) => /^(RATE_LIMIT|SESSION)_[A-Z_]+$/.test(name))
      .flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ...persist,
    ...inspector,
  ],
  { stdio: ["ignore", "inherit", "inherit"], env },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));

const deadline = Date.now() + 90_000;
while (Date.now() < deadline) {
  try {
    const res = await fetch(`${base}/health`);
    if (res.ok) break;
  } catch {
    // Not listening yet.
  }
  await new Promise((r) => setTimeout(r, 500));
}

const seeded = await fetch(`${base}/api/v1/dev/seed`, {
  method: "POST",
  headers: { "x-seed-token": seedToken ?? "" },
})
  .then((r) => r.json())
  .catch((error) => ({ success: false, error: { message: String(error) } }));
if (process.env.READY_FILE) {
  writeFileSync(process.env.READY_FILE, JSON.stringify({ base, ...seeded }));
}
if (!seeded.success) {
  console.error("Seeding the demo clinic failed:", JSON.stringify(seeded.error));
} else {
  const { logins, password } = seeded.data;
  console.log(`\nrehab-edge is up on ${base}  (docs: ${base}/docs, health: ${base}/health)`);
  console.log(
    `Demo clinic ${seeded.data.created ? "seeded" : "already present"}${seeded.data.added?.length ? ` (added: ${seeded.data.added.join(", ")})` : ""}; every demo login uses the password "${password}":`,
  );
  for (const l of logins) console.log(`  ${l.role.padEnd(16)} ${l.email.padEnd(40)} ${l.name}`);
  console.log(
    `\nTry: curl -s ${base}/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"${logins[0].email}","password":"${password}"}'\n`,
  );
}
