import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
// @ts-expect-error: a plain .mjs script (no types), shared with `npm start`.
import { buildPoseWorker } from "./scripts/build-pose.mjs";
import { fhirDefinitions } from "./vitest.fhir-definitions";

// Tests run inside workerd with the bindings of wrangler.toml (real D1, R2, Durable Objects,
// queues); migrations are applied by test/setup.ts. Test-only secrets are fixed here.
const key = (seed: number) => Buffer.alloc(32, seed).toString("base64url");

export default defineConfig({
  plugins: [
    fhirDefinitions(),
    cloudflareTest(async () => ({
      main: "./src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        workers: [
          // The assets-only Worker (ASSETS service binding, assets/wrangler.toml): public/ served
          // by the same asset router as in `wrangler dev`, with no code of its own.
          {
            name: "rehab-edge-assets",
            modules: true,
            script: "export default {};",
            compatibilityDate: "2026-04-20",
            assets: {
              directory: fileURLToPath(new URL("./public", import.meta.url)),
              routerConfig: { has_user_worker: false },
            },
          },
          // The pose estimator Worker (POSE service binding), bundled as it deploys.
          {
            name: "rehab-edge-pose",
            modules: true,
            scriptPath: `${buildPoseWorker()}/index.js`,
            compatibilityDate: "2026-04-20",
            modulesRules: [
              { type: "Data", include: ["**/*.bin"] },
              { type: "CompiledWasm", include: ["**/*.wasm"] },
            ],
          },
        ],
        bindings: {
          ENVIRONMENT: "test",
          JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
          PHI_KEYS: `k1:${key(1)},k2:${key(2)}`,
          PHI_ACTIVE_KEY_ID: "k2",
          BLIND_INDEX_KEY: "test-blind-index-key-0123456789abcdef",
          AUDIT_HMAC_KEY: "test-audit-hmac-key-0123456789abcdef",
          PASSWORD_PEPPER: "test-pepper-0123456789abcdef",
          DEV_SEED_TOKEN: "test-seed-token",
          // Signs the Twilio webhooks in tests; without an account SID, SMS go to the outbox.
          TWILIO_AUTH_TOKEN: "test-twilio-auth-token",
          // The suite makes many requests quickly as few users from no address: the general and
          // action limits are high here; test/platform/rate-limits.test.ts lowers them per test.
          RATE_LIMIT_IP_PER_MIN: "1000000",
          RATE_LIMIT_USER_PER_MIN: "1000000",
          RATE_LIMIT_POSE_PER_MIN: "1000000",
          RATE_LIMIT_CALLS_PER_MIN: "1000000",
          RATE_LIMIT_SFU_PER_MIN: "1000000",
          // Tests reuse one user for many uploads within a minute (the shared security suite's
          // admin issues about 25); test/media/rate-limit.test.ts checks the threshold at this value.
          UPLOAD_URL_RATE_PER_MINUTE: "60",
          TEST_MIGRATIONS: await readD1Migrations(
            fileURLToPath(new URL("./migrations", import.meta.url)),
          ),
        },
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
