import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, createUser } from "../helpers/fixtures";
import { api } from "../helpers/http";

describe("admins deleting each other at once", () => {
  it("one deletion wins and the workspace keeps an active admin", async () => {
    const clinic = await createClinic();
    const second = await createUser(clinic.workspaceId, "admin");
    const [a, b] = await Promise.all([
      api("DELETE", `/api/v1/users/${second.id}`, { token: clinic.admin.token }),
      api("DELETE", `/api/v1/users/${clinic.admin.id}`, { token: second.token }),
    ]);
    // The loser is refused either by the guard (409) or, if it ran after the winner's batch
    // had ended its session, by authentication (401); never do both deletions land.
    const statuses = [a.status, b.status].sort();
    expect(statuses[0], `${a.text} ${b.text}`).toBe(204);
    expect([401, 409], `${a.text} ${b.text}`).toContain(statuses[1]);
    const admins = await env.DB.prepare(
      "select count(*) as n from users where workspace_id = ? and role = 'admin' and is_active = 1 and deleted_at is null",
    )
      .bind(clinic.workspaceId)
      .first<{ n: number }>();
    expect(admins?.n).toBe(1);
  });
});
