/**
 * The app's router remembers each method and path's match (src/lib/memo-router.ts): the answers
 * must be exactly hono's own, parameters included, and the memory bounded.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TrieRouter } from "hono/router/trie-router";
import { createApp } from "../../src/app";
import { MemoRouter } from "../../src/lib/memo-router";

function routers() {
  const plain = new TrieRouter<string>();
  const memo = new MemoRouter<string>(new TrieRouter<string>(), 3);
  for (const r of [plain, memo]) {
    r.add("ALL", "/api/*", "mw");
    r.add("GET", "/api/users/me", "me");
    r.add("GET", "/api/users/:id", "user");
    r.add("GET", "/api/users/:id/avatar", "avatar");
  }
  return { plain, memo };
}

describe("happy", () => {
  it("answers what the router it wraps answers, twice in a row, parameters included", () => {
    const { plain, memo } = routers();
    for (const path of ["/api/users/me", "/api/users/42", "/api/users/7/avatar", "/nothing"]) {
      const expected = plain.match("GET", path);
      expect(memo.match("GET", path)).toEqual(expected);
      expect(memo.match("GET", path)).toEqual(expected);
    }
  });

  it("serves the app as before: /ping, a routed 404 and an authenticated route's 401", async () => {
    const app = createApp();
    expect(app.router.name).toBe("MemoRouter");
    const ping = await app.request("/ping", {}, env);
    expect(ping.status).toBe(200);
    const again = await app.request("/ping", {}, env);
    expect(((await again.json()) as { data: unknown }).data).toEqual({ pong: true });
    expect((await app.request("/api/v1/no-such-route", {}, env)).status).toBe(404);
    expect((await app.request("/api/v1/appointments", {}, env)).status).toBe(401);
    expect((await app.request("/api/v1/appointments", {}, env)).status).toBe(401);
  });
});

describe("errors", () => {
  it("keeps different methods of one path apart", () => {
    const memo = new MemoRouter<string>(new TrieRouter<string>());
    memo.add("GET", "/a", "get");
    memo.add("POST", "/a", "post");
    expect(memo.match("GET", "/a")[0].map(([h]) => h)).toEqual(["get"]);
    expect(memo.match("POST", "/a")[0].map(([h]) => h)).toEqual(["post"]);
    expect(memo.match("PUT", "/a")[0]).toEqual([]);
  });
});

describe("security", () => {
  it("stays bounded however many distinct paths arrive, and forgets on a new route", () => {
    const { plain, memo } = routers();
    for (let i = 0; i < 50; i++) memo.match("GET", `/api/users/${i}`);
    expect(memo.size).toBe(3);
    // Still correct for a path dropped from memory.
    expect(memo.match("GET", "/api/users/0")).toEqual(plain.match("GET", "/api/users/0"));
    memo.add("GET", "/api/other", "other");
    expect(memo.size).toBe(0);
  });
});
