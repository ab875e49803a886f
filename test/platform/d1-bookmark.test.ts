import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

/** D1 read replication (src/lib/d1-session.ts): the bookmark travels with the client. */
describe("D1 session bookmarks", () => {
  it("a write answers a bookmark; a read carrying it sees the write and answers a bookmark no older", async () => {
    const clinic = await createClinic();
    const base = `/api/v1/patients/${clinic.patient.id}/allergies`;
    const created = await api("POST", base, {
      token: clinic.physio.token,
      body: { allergy: "Latex", severity: "mild" },
    });
    expectStatus(created, 201);
    const written = created.headers.get("x-d1-bookmark");
    expect(written).toMatch(/^[0-9a-f]+(-[0-9a-f]+)+$/i);

    const read = await api("GET", base, {
      token: clinic.physio.token,
      headers: { "x-d1-bookmark": written! },
    });
    expectStatus(read, 200);
    expect(read.body.data.map((a: { allergy: string }) => a.allergy)).toContain("Latex");
    const after = read.headers.get("x-d1-bookmark");
    expect(after).not.toBeNull();
    // Bookmarks order lexically by position in the database's history.
    expect(after! >= written!).toBe(true);
  });

  it("a malformed bookmark is a 422 naming the header, and nothing runs", async () => {
    const clinic = await createClinic();
    const res = await api("GET", "/api/v1/patients", {
      token: clinic.admin.token,
      headers: { "x-d1-bookmark": "'; drop table patients; --" },
    });
    expect(res.status, res.text).toBe(422);
    expect(JSON.stringify(res.body.error.details)).toContain("x-d1-bookmark");
  });

  it("a route that touches no table opens no session and answers no bookmark", async () => {
    const res = await api("GET", "/ping");
    expect(res.headers.get("x-d1-bookmark")).toBeNull();
  });

  it("browsers may send and read the header (CORS)", async () => {
    const preflight = await api("OPTIONS", "/api/v1/patients", {
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "x-d1-bookmark",
      },
    });
    expect(preflight.headers.get("access-control-allow-headers") ?? "").toMatch(/X-D1-Bookmark/i);
  });
});
