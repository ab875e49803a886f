/**
 * A Durable Object counter per rate-limit bucket (e.g. `magic-link:ip:<addr>`): a sliding-window
 * log of hits. One object per bucket serialises its hits, so limits hold under concurrency and
 * across isolates, with any window (the rate-limiting binding only offers 10 s and 60 s).
 *
 * Invariants: only allowed hits are logged (a refused attempt does not extend the wait); the log
 * holds at most `limit` entries younger than the window; once the window has passed with no hit,
 * the alarm deletes the bucket's storage, so idle buckets cost nothing.
 */
import { DurableObject } from "cloudflare:workers";

export type RateDecision = { allowed: boolean; remaining: number; retryAfterMs: number };

type Bucket = { hits: number[]; windowMs: number };

const KEY = "bucket";

export class RateLimiter extends DurableObject {
  private bucket: Bucket | null = null;

  private async load(windowMs: number): Promise<Bucket> {
    this.bucket ??= (await this.ctx.storage.get<Bucket>(KEY)) ?? { hits: [], windowMs };
    return this.bucket;
  }

  /** Records one attempt if the bucket has room; `now` is injectable for tests. */
  async hit(limit: number, windowMs: number, now = Date.now()): Promise<RateDecision> {
    const bucket = await this.load(windowMs);
    bucket.windowMs = windowMs;
    const hits = bucket.hits;
    while (hits.length > 0 && hits[0]! <= now - windowMs) hits.shift();
    if (hits.length >= limit) {
      // Room frees up when enough of the oldest hits leave the window to drop below the limit.
      const freeing = limit > 0 ? hits[hits.length - limit]! : now;
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, freeing + windowMs - now) };
    }
    hits.push(now);
    await this.ctx.storage.put(KEY, bucket);
    await this.ctx.storage.setAlarm(now + windowMs);
    return { allowed: true, remaining: limit - hits.length, retryAfterMs: 0 };
  }

  /** Forgets the bucket once its window has passed with no hits; otherwise looks again later. */
  override async alarm() {
    const bucket = await this.load(0);
    const newest = bucket.hits[bucket.hits.length - 1];
    const now = Date.now();
    if (newest === undefined || newest <= now - bucket.windowMs) {
      this.bucket = null;
      await this.ctx.storage.deleteAll();
      return;
    }
    await this.ctx.storage.setAlarm(newest + bucket.windowMs);
  }
}
