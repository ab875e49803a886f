/** A RequestContext outside any HTTP request, for calling library code directly in tests. */
import { env } from "cloudflare:test";
import type { Bindings } from "../../src/env";
import { createRequestContext } from "../../src/middleware/request-context";

export function testContext(bindings: Bindings = env) {
  return createRequestContext(bindings, new Request("https://api.test/"), (p) => {
    void p.catch(() => undefined);
  });
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 8000,
  label = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${label} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
