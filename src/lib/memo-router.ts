/**
 * Hono's default router (SmartRouter: RegExpRouter, else TrieRouter) with the answer for each
 * method and path remembered per isolate. Our route set cannot be compiled by the RegExpRouter
 * (static segments beside parameters, e.g. `/users/me` and `/users/:id`), so hono falls back to
 * the TrieRouter, which walks the tree and collects every matching middleware on each request:
 * in a CPU profile of `GET /ping` that walk was about a sixth of the isolate's time. Clients call
 * the same paths over and over (lists, polling, the calendar), so after the first request a path
 * costs one Map lookup.
 *
 * Safe to share: hono only reads a match result (handlers, parameter names and values; the
 * values of the same path are the same). Bounded: at most `limit` paths, the oldest dropped
 * first, so paths full of distinct ids cannot grow it without end. Adding a route clears it.
 */
import type { Result, Router } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";

export class MemoRouter<T> implements Router<T> {
  readonly name = "MemoRouter";
  private readonly inner: Router<T>;
  private readonly answers = new Map<string, Result<T>>();

  constructor(
    inner?: Router<T>,
    private readonly limit = 2000,
  ) {
    this.inner = inner ?? new SmartRouter<T>({ routers: [new RegExpRouter(), new TrieRouter()] });
  }

  add(method: string, path: string, handler: T): void {
    this.answers.clear();
    this.inner.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const key = `${method} ${path}`;
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = this.inner.match(method, path);
      if (this.answers.size >= this.limit) {
        this.answers.delete(this.answers.keys().next().value!);
      }
      this.answers.set(key, answer);
    }
    return answer;
  }

  /** Paths remembered right now (for tests). */
  get size() {
    return this.answers.size;
  }
}
