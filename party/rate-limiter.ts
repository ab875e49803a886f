/**
 * A Durable Object counter per rate-limit bucket (e.g. `magic-link:ip:<addr>`): a sliding-window
 * log of hits. One object per bucket serialises its hits, so limits hold under concurrency and
 * across isolates, with any window (the rate-limiting binding only offers 10 s and 60 s).
 */
import { DurableObject } from "cloudflare:workers";

export type RateDecision = { allowed: boolean; remaining: number; retryAfterMs: number };

export class RateLimiter extends DurableObject {
  private hits: number[] | null = null;

  async hit(limit: number, windowMs: number, now = Date.now()): Promise<RateDecision> {
    const hits = (this.hits ??= (await this.ctx.storage.get<number[]>("hits")) ?? []);
    while (hits.length > 0 && hits[0]! <= now - windowMs) hits.shift();
    if (hits.length >= limit) {
      return { allowed: false, remaining: 0, retryAfterMs: hits[0]! + windowMs - now };
    }
    hits.push(now);
    await this.ctx.storage.put("hits", hits);
    await this.ctx.storage.setAlarm(now + windowMs);
    return { allowed: true, remaining: limit - hits.length, retryAfterMs: 0 };
  }

  /** Forgets the bucket once its window has passed with no hits, so idle buckets cost nothing. */
  override async alarm() {
    const hits = (await this.ctx.storage.get<number[]>("hits")) ?? [];
    const newest = hits[hits.length - 1] ?? 0;
    if (newest < Date.now() - 24 * 3600_000 || hits.length === 0) {
      this.hits = null;
      await this.ctx.storage.deleteAll();
    }
  }
}
