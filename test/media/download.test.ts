/**
 * Download links (issue 17): minutes long, bound to the user they were issued to, and re-checked
 * on every request, so a link stops at once when the relation, the session or the media ends.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { signMediaToken, verifyMediaToken } from "../../src/modules/media/media.tokens";
import { bytesOf, pathOf, uploaded } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  clinic = await createClinic("Download clinic");
});

const linkFor = async (id: string, token: string, query = "") =>
  expectStatus(await api("GET", `/api/v1/media/${id}/download-url${query}`, { token }), 200).body
    .data as { url: string; expires_at: string };

const tokenOf = (url: string) => new URL(url).pathname.split("/").pop()!;

async function deniedRows(requestId: string | null) {
  return (
    await env.DB.prepare(
      "select action, resource_type, outcome from audit_log where request_id = ? and outcome <> 'success'",
    )
      .bind(requestId)
      .all()
  ).results;
}

describe("happy", () => {
  it("links live 5 minutes by default and 15 at most", async () => {
    const id = await uploaded(clinic, bytesOf(64));
    const before = Date.now();
    const byDefault = await linkFor(id, clinic.physio.token);
    const lifetime = Date.parse(byDefault.expires_at) - before;
    expect(lifetime).toBeGreaterThan(299_000);
    expect(lifetime).toBeLessThanOrEqual(301_000);
    const longest = await linkFor(id, clinic.physio.token, "?ttl_seconds=900");
    expect(Date.parse(longest.expires_at) - before).toBeLessThanOrEqual(901_000);
    // The token names the user it was issued to (ids only), and its expiry matches.
    const check = await verifyMediaToken(env.JWT_SECRET, tokenOf(longest.url), ["get"]);
    expect(check.ok && check.claims).toMatchObject({
      uid: clinic.physio.id,
      role: "physiotherapist",
    });
    expect((await api("GET", pathOf(longest.url))).status).toBe(200);
  });
});

describe("errors", () => {
  it("a lifetime above 15 minutes is a 422 naming query.ttl_seconds", async () => {
    const id = await uploaded(clinic, bytesOf(64));
    for (const ttl of [901, 86_400]) {
      const res = await api("GET", `/api/v1/media/${id}/download-url?ttl_seconds=${ttl}`, {
        token: clinic.physio.token,
      });
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.details[0].field).toBe("query.ttl_seconds");
    }
  });

  it("a link past its expiry is refused (403), with a real 1-second link and a re-dated one", async () => {
    const bytes = bytesOf(64);
    const id = await uploaded(clinic, bytes);
    const short = await linkFor(id, clinic.physio.token, "?ttl_seconds=1");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const late = await api("GET", pathOf(short.url));
    expect(late.status).toBe(403);
    expect(late.body.error.message).toBe("Download URL has expired");

    const link = await linkFor(id, clinic.physio.token);
    const check = await verifyMediaToken(env.JWT_SECRET, tokenOf(link.url), ["get"]);
    if (!check.ok) throw new Error("issued token does not verify");
    const past = await signMediaToken(env.JWT_SECRET, {
      ...check.claims,
      exp: Math.floor(Date.now() / 1000) - 1,
    });
    expect((await api("GET", `/api/v1/media/${past}`)).status).toBe(403);
    // The same claims, still valid, serve the bytes: only the expiry differed.
    expect((await api("GET", pathOf(link.url))).status).toBe(200);
  });

  it("a link to media deleted since is a 404", async () => {
    const id = await uploaded(clinic, bytesOf(64));
    const link = await linkFor(id, clinic.physio.token);
    await env.DB.prepare("delete from media_objects where id = ?").bind(id).run();
    const res = await api("GET", pathOf(link.url));
    expect(res.status).toBe(404);
  });
});

describe("security", () => {
  it("a link stops at once when its user leaves the care team (404, denial audited)", async () => {
    const own = await createClinic("Care team ends");
    const bytes = bytesOf(200, 4);
    const id = await uploaded(own, bytes);
    const link = await linkFor(id, own.physio.token);
    const ranged = await api("GET", pathOf(link.url), { headers: { range: "bytes=0-9" } });
    expect(ranged.status).toBe(206);

    expectStatus(
      await api("DELETE", `/api/v1/patients/${own.patient.id}/care-team/${own.physio.id}`, {
        token: own.admin.token,
      }),
      204,
    );
    // Same link, well within its lifetime: refused as an unknown media id, and audited.
    const after = await api("GET", pathOf(link.url), { headers: { range: "bytes=10-19" } });
    expect(after.status, after.text).toBe(404);
    expect(after.body.error.message).toBe("Media not found");
    expect(await deniedRows(after.headers.get("x-request-id"))).toEqual([
      { action: "media.read", resource_type: "patient", outcome: "denied" },
    ]);
    // The admin's own link still works: the check is per user, not per media object.
    expect((await api("GET", pathOf((await linkFor(id, own.admin.token)).url))).status).toBe(200);
  });

  it("a link stops at once when its user's session ends (logout)", async () => {
    const own = await createClinic("Session ends");
    const id = await uploaded(own, bytesOf(64));
    const link = await linkFor(id, own.patientUser.token);
    expect((await api("GET", pathOf(link.url))).status).toBe(200);
    expectStatus(await api("POST", "/api/v1/auth/logout", { token: own.patientUser.token }), 200);
    const res = await api("GET", pathOf(link.url));
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe("Download URL is no longer valid");
  });

  it("a validly signed link bound to no user is refused", async () => {
    const id = await uploaded(clinic, bytesOf(64));
    const link = await linkFor(id, clinic.physio.token);
    const check = await verifyMediaToken(env.JWT_SECRET, tokenOf(link.url), ["get"]);
    if (!check.ok) throw new Error("issued token does not verify");
    const { uid: _uid, sid: _sid, role: _role, ...unbound } = check.claims;
    const token = await signMediaToken(env.JWT_SECRET, unbound);
    expect((await api("GET", `/api/v1/media/${token}`)).status).toBe(403);
  });
});
