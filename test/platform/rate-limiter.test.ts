import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/lib/ids";

// Injected times start at the real clock: the bucket's alarm runs on real time, and a hit
// logged in 1970 would be forgotten by it at once.
const bucket = (name = "test") =>
  env.RateLimiter.get(env.RateLimiter.idFromName(`${name}:${uuidv7()}`));

describe("happy", () => {
  it("allows `limit` hits, then refuses with a positive retryAfterMs", async () => {
    const limiter = bucket();
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      const d = await limiter.hit(3, 60_000, t0 + i);
      expect(d, `hit ${i}`).toEqual({ allowed: true, remaining: 2 - i, retryAfterMs: 0 });
    }
    const refused = await limiter.hit(3, 60_000, t0 + 10);
    expect(refused.allowed).toBe(false);
    expect(refused.remaining).toBe(0);
    expect(refused.retryAfterMs).toBe(60_000 - 10);
  });

  it("slides: a hit leaves the window exactly windowMs after it was made", async () => {
    const limiter = bucket();
    const t0 = Date.now();
    await limiter.hit(2, 1000, t0);
    await limiter.hit(2, 1000, t0 + 500);
    expect((await limiter.hit(2, 1000, t0 + 999)).allowed).toBe(false);
    // The first hit has left; the second is still counted.
    const later = await limiter.hit(2, 1000, t0 + 1000);
    expect(later).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    const refused = await limiter.hit(2, 1000, t0 + 1200);
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterMs: 300 });
    expect((await limiter.hit(2, 1000, t0 + 1500)).allowed).toBe(true);
  });

  it("refused attempts do not extend the wait", async () => {
    const limiter = bucket();
    const t0 = Date.now();
    await limiter.hit(1, 1000, t0);
    for (const t of [100, 200, 900])
      expect((await limiter.hit(1, 1000, t0 + t)).allowed).toBe(false);
    expect((await limiter.hit(1, 1000, t0 + 1000)).allowed).toBe(true);
  });

  it("keeps buckets independent", async () => {
    const a = bucket("a");
    const b = bucket("b");
    await a.hit(1, 60_000);
    expect((await a.hit(1, 60_000)).allowed).toBe(false);
    expect((await b.hit(1, 60_000)).allowed).toBe(true);
  });

  it("survives an eviction: the log is persisted", async () => {
    const limiter = bucket();
    await limiter.hit(1, 60_000);
    await runInDurableObject(limiter, (instance) => {
      (instance as unknown as { bucket: unknown }).bucket = null;
    });
    expect((await limiter.hit(1, 60_000)).allowed).toBe(false);
  });
});

describe("errors", () => {
  it("a limit of zero refuses everything with a retry time", async () => {
    const d = await bucket().hit(0, 5000);
    expect(d.allowed).toBe(false);
    expect(d.retryAfterMs).toBeGreaterThan(0);
  });

  it("a lowered limit waits until enough hits have left the window", async () => {
    const limiter = bucket();
    const t0 = Date.now();
    for (const t of [0, 10, 20, 30]) await limiter.hit(4, 1000, t0 + t);
    // Three of four hits must leave before a limit of 2 has room: the last of them is t=20.
    expect((await limiter.hit(2, 1000, t0 + 100)).retryAfterMs).toBe(20 + 1000 - 100);
  });
});

describe("security", () => {
  it("the alarm forgets an idle bucket and keeps a busy one", async () => {
    const idle = bucket();
    await idle.hit(5, 30);
    const size = () => runInDurableObject(idle, async (_, s) => (await s.storage.list()).size);
    expect(await size()).toBe(1);
    // The alarm fires on its own once the window has passed (bounded wait).
    for (let i = 0; i < 40 && (await size()) > 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await size()).toBe(0);

    const busy = bucket();
    await busy.hit(5, 60_000);
    expect(await runDurableObjectAlarm(busy)).toBe(true);
    const kept = await runInDurableObject(busy, async (_, state) => ({
      size: (await state.storage.list()).size,
      alarm: await state.storage.getAlarm(),
    }));
    expect(kept.size).toBe(1);
    expect(kept.alarm).toBeGreaterThan(Date.now());
  });
});
