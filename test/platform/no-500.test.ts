/**
 * Fuzz-ish: every route in /openapi.json (read at test time, so new routes are covered as they
 * appear) gets malformed requests from an admin of a fresh clinic: bad path params, bad query
 * and header values, wrong JSON types, huge strings, empty and non-JSON bodies. None may be a 500.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { createClinic, createUser, type Clinic } from "../helpers/fixtures";
import { malformedBodies, type OpenApiDoc, type Operation } from "./malformed";

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

const BAD_PARAMS = [
  "not-a-uuid",
  "00000000-0000-0000-0000-000000000000",
  "01890000-0000-7000-8000-000000000000",
  "x".repeat(3000),
  "%F0%9F%92%A9",
  "..%2F..%2Fetc%2Fpasswd",
  "1%20OR%201%3D1",
  "-1",
  "null",
];

const BAD_VALUES = [
  "-1",
  "0",
  "abc",
  "99999999999999999999999",
  "1.5e308",
  "",
  "true",
  "2024-13-45T99:99:99Z",
  "x".repeat(5000),
  "{}",
];

/**
 * Requests go to the Worker's exported fetch handler directly (same app, middleware and
 * bindings): through SELF, each request in one workerd instance gets slower than the last
 * (workers-sdk issue #15446), which hundreds of requests here would turn into minutes.
 */
async function call(path: string, init: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://api.test${path}`, init), env, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, text };
}

const docResponse = await SELF.fetch("https://api.test/openapi.json");
const doc = (docResponse.ok ? await docResponse.json() : null) as OpenApiDoc | null;

type Attempt = { label: string; path: string; method: string; init: RequestInit };

function attemptsFor(template: string, method: string, op: Operation, doc: OpenApiDoc): Attempt[] {
  const params = op.parameters ?? [];
  const query = params.filter((p) => p.in === "query").map((p) => p.name);
  const headers = params.filter((p) => p.in === "header").map((p) => p.name);
  const fill = (value: string) => template.replace(/\{\w+\}/g, value);
  const valid = fill("00000000-0000-4000-8000-000000000000");
  const upper = method.toUpperCase();
  const out: Attempt[] = [];
  const add = (label: string, path: string, init: RequestInit = {}) =>
    out.push({ label, path, method: upper, init: { method: upper, ...init } });

  if (template.includes("{"))
    for (const bad of BAD_PARAMS) add(`param ${bad.slice(0, 20)}`, fill(bad));
  for (const bad of BAD_VALUES) {
    if (query.length > 0) {
      const qs = query.map((q) => `${encodeURIComponent(q)}=${encodeURIComponent(bad)}`).join("&");
      add(`query=${bad.slice(0, 20)}`, `${valid}?${qs}`);
    }
    if (headers.length > 0) {
      const h = Object.fromEntries(headers.map((name) => [name, bad.slice(0, 4000)]));
      add(`header=${bad.slice(0, 20)}`, valid, { headers: h });
    }
  }
  if (query.length > 0)
    add("repeated query", `${valid}?${query.map((q) => `${q}=1&${q}=2`).join("&")}`);
  add("unknown query", `${valid}?page=-5&page_size=100000&sort=%27&__proto__=1`);
  if (upper !== "GET" && upper !== "DELETE") {
    for (const body of malformedBodies(op, doc)) add(`body ${body.label}`, valid, body.init);
  }
  return out;
}

describe("no route answers 500 to malformed input", () => {
  let clinic: Clinic;
  beforeAll(async () => {
    clinic = await createClinic("Fuzz Clinic");
  });

  it("reads /openapi.json", () => {
    expect(docResponse.status, "the document must generate for this suite to run").toBe(200);
    expect(Object.keys(doc?.paths ?? {}).length).toBeGreaterThan(0);
  });

  for (const [template, item] of Object.entries(doc?.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      it(`${method.toUpperCase()} ${template}`, async () => {
        // A fresh admin per route: a logout or a role change cannot starve the next route.
        const admin = await createUser(clinic.workspaceId, "admin");
        const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
        const failures: string[] = [];
        for (const attempt of attemptsFor(template, method, op, doc!)) {
          const headers = new Headers(attempt.init.headers);
          headers.set("authorization", `Bearer ${admin.token}`);
          headers.set("cf-connecting-ip", ip);
          const { status, text } = await call(attempt.path, { ...attempt.init, headers });
          if (status >= 500) failures.push(`${attempt.label} -> ${status} ${text.slice(0, 200)}`);
        }
        expect(failures, `${method.toUpperCase()} ${template}`).toEqual([]);
      }, 60_000);
    }
  }
});
