import { defineConfig } from "vitest/config";

// End-to-end tests: Node drives a real `npm start` (test/e2e/harness.ts) and headless Chromium.
// Kept apart from vitest.config.ts (which runs test/**/*.test.ts inside workerd). Files run one
// after another: each starts its own server, and the machine is small.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 200_000,
    teardownTimeout: 30_000,
  },
});
