import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { api, expectStatus } from "../helpers/http";

describe("demo seed", () => {
  it("loads one clinic with staff, patients on care teams and a family member, once", async () => {
    const first = expectStatus(
      await api("POST", "/api/v1/dev/seed", { headers: { "x-seed-token": env.DEV_SEED_TOKEN! } }),
      200,
    );
    expect(first.body.data.created).toBe(true);
    const roles = first.body.data.logins.map((l: { role: string }) => l.role).sort();
    expect(roles).toEqual([
      "admin",
      "doctor",
      "family",
      "patient",
      "patient",
      "patient",
      "physiotherapist",
    ]);
    const again = expectStatus(
      await api("POST", "/api/v1/dev/seed", { headers: { "x-seed-token": env.DEV_SEED_TOKEN! } }),
      200,
    );
    expect(again.body.data).toMatchObject({
      created: false,
      workspace_id: first.body.data.workspace_id,
    });

    const ws = first.body.data.workspace_id;
    const count = (sql: string) =>
      env.DB.prepare(sql)
        .bind(ws)
        .first<{ n: number }>()
        .then((r) => r?.n);
    expect(await count("SELECT count(*) AS n FROM patients WHERE workspace_id = ?")).toBe(3);
    expect(await count("SELECT count(*) AS n FROM care_team_members WHERE workspace_id = ?")).toBe(
      5,
    );
    expect(await count("SELECT count(*) AS n FROM family_access WHERE workspace_id = ?")).toBe(1);
    expect(
      await count("SELECT count(*) AS n FROM exercise_types WHERE workspace_id = ?"),
    ).toBeGreaterThanOrEqual(10);

    const login = await api("POST", "/api/v1/auth/login", {
      headers: { "cf-connecting-ip": "10.77.0.1" },
      body: { email: first.body.data.logins[1].email, password: first.body.data.password },
    });
    expectStatus(login, 200);
  });

  it("refuses without the seed token, and does not exist in production", async () => {
    expect(
      (await api("POST", "/api/v1/dev/seed", { headers: { "x-seed-token": "wrong" } })).status,
    ).toBe(401);
    const app = createApp();
    const res = await app.fetch(
      new Request("https://api.test/api/v1/dev/seed", {
        method: "POST",
        headers: { "x-seed-token": env.DEV_SEED_TOKEN! },
      }),
      { ...env, ENVIRONMENT: "production" },
      {
        waitUntil: () => undefined,
        passThroughOnException: () => undefined,
        props: {},
      } as unknown as ExecutionContext,
    );
    expect(res.status).toBe(404);
  });
});
