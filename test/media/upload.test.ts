/** The signed upload round trip: issue, PUT into R2, download by signed URL. */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { signMediaToken } from "../../src/modules/media/media.tokens";
import { auditActions, bytesOf, issue, mediaRow, pathOf, put, sha256, uploaded } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  clinic = await createClinic("Media clinic");
});

describe("happy", () => {
  it("issues a URL bound to the purpose, PUTs the bytes into R2 and records them", async () => {
    const bytes = bytesOf(4096);
    const res = expectStatus(await issue(clinic), 201);
    const data = res.body.data;
    expect(data).toMatchObject({ method: "PUT", max_bytes: 4096 });
    // The length is signed too (the Worker checks the token's `len`; R2 the signed header).
    expect(data.headers).toEqual({ "content-type": "video/mp4", "content-length": "4096" });
    expect(new URL(data.upload_url).pathname).toMatch(/^\/api\/v1\/uploads\/[\w-]+\.[\w-]+$/);
    expect((await mediaRow(data.media_id))!.status).toBe("pending");

    const stored = expectStatus(
      await put(data.upload_url, bytes, {
        "content-type": "video/mp4",
        "x-content-sha256": await sha256(bytes),
      }),
      200,
    );
    expect(stored.body.data).toEqual({
      media_id: data.media_id,
      status: "uploaded",
      size_bytes: 4096,
      sha256: await sha256(bytes),
    });
    const row = (await mediaRow(data.media_id))!;
    expect(row.status).toBe("uploaded");
    // Object keys hold ids only.
    expect(row.object_key).toBe(`media/${clinic.workspaceId}/${data.media_id}`);
    const object = await env.MEDIA.get(row.object_key);
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(bytes);
    expect(object!.httpMetadata?.contentType).toBe("video/mp4");
    expect(await auditActions(data.media_id)).toEqual([
      { action: "media.created", outcome: "success" },
      { action: "media.uploaded", outcome: "success" },
    ]);
  });

  it("serves a download URL to those who may read the patient, whole and by Range", async () => {
    const bytes = bytesOf(1000, 3);
    const id = await uploaded(clinic, bytes);
    for (const user of [clinic.physio, clinic.patientUser, clinic.admin]) {
      const res = expectStatus(
        await api("GET", `/api/v1/media/${id}/download-url`, { token: user.token }),
        200,
      );
      expect(res.body.data.media).toMatchObject({ id, status: "uploaded", size_bytes: 1000 });
      const whole = await api("GET", pathOf(res.body.data.url));
      expect(whole.status).toBe(200);
      expect(whole.headers.get("accept-ranges")).toBe("bytes");
      expect(whole.headers.get("content-length")).toBe("1000");
    }
    const { body } = await api("GET", `/api/v1/media/${id}/download-url?ttl_seconds=60`, {
      token: clinic.physio.token,
    });
    const url = pathOf(body.data.url);
    const ranged = async (range: string) => {
      const { SELF } = await import("cloudflare:test");
      return SELF.fetch(`https://api.test${url}`, { headers: { range } });
    };
    const cases: [string, number, number][] = [
      ["bytes=0-9", 0, 9],
      ["bytes=990-", 990, 999],
      ["bytes=-5", 995, 999],
      ["bytes=500-5000", 500, 999],
    ];
    for (const [range, first, last] of cases) {
      const res = await ranged(range);
      expect(res.status, range).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes ${first}-${last}/1000`);
      expect(res.headers.get("content-length")).toBe(String(last - first + 1));
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.slice(first, last + 1));
    }
    const unsatisfiable = await ranged("bytes=1000-");
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers.get("content-range")).toBe("bytes */1000");
    await unsatisfiable.arrayBuffer();
    // Several ranges: served whole (RFC 9110 lets a server ignore Range).
    const multi = await ranged("bytes=0-1,5-6");
    expect(multi.status).toBe(200);
    expect((await multi.arrayBuffer()).byteLength).toBe(1000);
    const actions = (await auditActions(id)).map((a) => a.action);
    expect(actions.filter((a) => a === "media.read")).toHaveLength(4);
  });

  it("a retried PUT of the same bytes answers the stored result and stores nothing twice", async () => {
    const bytes = bytesOf(2048, 9);
    const res = expectStatus(await issue(clinic, { size_bytes: 2048 }), 201);
    const first = expectStatus(await put(res.body.data.upload_url, bytes), 200);
    const again = expectStatus(await put(res.body.data.upload_url, bytes), 200);
    expect(again.body.data).toEqual(first.body.data);
    const listed = await env.MEDIA.list({ prefix: `media/${clinic.workspaceId}/` });
    expect(listed.objects.filter((o) => o.key.endsWith(res.body.data.media_id))).toHaveLength(1);
    const uploadedAudits = (await auditActions(res.body.data.media_id)).filter(
      (a) => a.action === "media.uploaded",
    );
    expect(uploadedAudits).toHaveLength(1);
    // Different bytes under the same URL after success: refused, the stored object unchanged.
    const other = bytesOf(2048, 1);
    expectStatus(await put(res.body.data.upload_url, other), 409);
    const row = (await mediaRow(res.body.data.media_id))!;
    expect(row.sha256).toBe(await sha256(bytes));
  });
});

describe("errors", () => {
  it("refuses a content type the purpose does not allow, and an oversize request", async () => {
    const wrongType = expectStatus(await issue(clinic, { content_type: "application/pdf" }), 422);
    expect(wrongType.body.error.details).toEqual([
      expect.objectContaining({ field: "content_type" }),
    ]);
    const tooBig = expectStatus(
      await issue(clinic, {
        purpose: "posture_image",
        content_type: "image/png",
        size_bytes: 21 * 1024 * 1024,
      }),
      422,
    );
    expect(tooBig.body.error.details[0].field).toBe("size_bytes");
    const badPurpose = expectStatus(await issue(clinic, { purpose: "selfie" }), 422);
    expect(badPurpose.body.error.details[0].field).toBe("purpose");
    const badOwner = expectStatus(
      await issue(clinic, { owner: { kind: "spaceship", id: clinic.patient.id } }),
      422,
    );
    expect(badOwner.body.error.details[0].field).toBe("owner.kind");
  });

  it("PUT: wrong type 415, over the signed size 413, bad digest 422, no length 422", async () => {
    const res = expectStatus(await issue(clinic, { size_bytes: 100 }), 201);
    const url = res.body.data.upload_url;
    const wrongType = await put(url, bytesOf(100), { "content-type": "image/png" });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const oversize = await put(url, bytesOf(101));
    expect(oversize.status).toBe(413);
    const digest = await put(url, bytesOf(100), {
      "content-type": "video/mp4",
      "x-content-sha256": "0".repeat(64),
    });
    expect(digest.status).toBe(422);
    expect(digest.body.error.details[0].field).toBe("x-content-sha256");
    // Nothing stored under a digest mismatch, and the row stays pending.
    const row = (await mediaRow(res.body.data.media_id))!;
    expect(row.status).toBe("pending");
    expect(await env.MEDIA.head(row.object_key)).toBeNull();
    const badDigest = await put(url, bytesOf(100), {
      "content-type": "video/mp4",
      "x-content-sha256": "not-a-digest",
    });
    expect(badDigest.status).toBe(422);
  });

  it("a body without Content-Length is refused before it is stored (422)", async () => {
    const res = expectStatus(await issue(clinic, { size_bytes: 1000 }), 201);
    // A chunked body (no Content-Length): refused before any byte is read.
    const { SELF } = await import("cloudflare:test");
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(bytesOf(600));
        controller.enqueue(bytesOf(600));
        controller.close();
      },
    });
    const chunked = await SELF.fetch(`https://api.test${pathOf(res.body.data.upload_url)}`, {
      method: "PUT",
      headers: { "content-type": "video/mp4" },
      body: stream,
    });
    expect(chunked.status).toBe(422);
    await chunked.arrayBuffer();
    expect(await env.MEDIA.head((await mediaRow(res.body.data.media_id))!.object_key)).toBeNull();
  });

  it("refuses expired, tampered and wrong-kind tokens (403), and unknown media (404)", async () => {
    const res = expectStatus(await issue(clinic, { size_bytes: 10 }), 201);
    const url = new URL(res.body.data.upload_url);
    const token = url.pathname.split("/").pop()!;
    const [body, mac] = token.split(".");
    const claims = JSON.parse(atob(body!.replaceAll("-", "+").replaceAll("_", "/")));

    // Tampered: raise the size limit, keep the old signature.
    const raised = btoa(JSON.stringify({ ...claims, max: 10_000_000 }))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replace(/=+$/, "");
    const tampered = await put(`/api/v1/uploads/${raised}.${mac}`, bytesOf(10));
    expect(tampered.status).toBe(403);
    const flipped = mac!.startsWith("A") ? `B${mac!.slice(1)}` : `A${mac!.slice(1)}`;
    expect((await put(`/api/v1/uploads/${body}.${flipped}`, bytesOf(10))).status).toBe(403);

    const expired = await signMediaToken(env.JWT_SECRET, { ...claims, exp: claims.exp - 7200 });
    const late = await put(`/api/v1/uploads/${expired}`, bytesOf(10));
    expect(late.status).toBe(403);
    expect(late.body.error.message).toBe("Upload URL has expired");

    // A download token is not an upload token, nor the reverse.
    const asGet = await signMediaToken(env.JWT_SECRET, { ...claims, op: "get" });
    expect((await put(`/api/v1/uploads/${asGet}`, bytesOf(10))).status).toBe(403);
    expect((await api("GET", `/api/v1/media/${token}`)).status).toBe(403);

    const unknown = await signMediaToken(env.JWT_SECRET, { ...claims, mid: crypto.randomUUID() });
    expect((await put(`/api/v1/uploads/${unknown}`, bytesOf(10))).status).toBe(404);
    expect((await put("/api/v1/uploads/garbage", bytesOf(10))).status).toBe(422);
  });

  it("download URLs: 409 before the upload, 404 for an unknown id, 422 for a bad ttl", async () => {
    const res = expectStatus(await issue(clinic), 201);
    const id = res.body.data.media_id;
    const token = clinic.physio.token;
    expect((await api("GET", `/api/v1/media/${id}/download-url`, { token })).status).toBe(409);
    const unknown = crypto.randomUUID();
    expect((await api("GET", `/api/v1/media/${unknown}/download-url`, { token })).status).toBe(404);
    const ttl = await api("GET", `/api/v1/media/${id}/download-url?ttl_seconds=0`, { token });
    expect(ttl.status).toBe(422);
  });
});

describe("security", () => {
  it("family, and clinicians off the care team, cannot issue or read a patient's media", async () => {
    const bytes = bytesOf(64);
    const id = await uploaded(clinic, bytes);
    // Issuing (owner in the body): family are refused by their role (403), staff off the care
    // team get the patient's 404. Reading by media id: any refusal is the 404 of an unknown id
    // (family may read their own media, so the route is not closed to their role).
    for (const [user, status] of [
      [clinic.family, 403],
      [clinic.doctor, 404],
      [clinic.nurse, 404],
    ] as const) {
      expect((await issue(clinic, {}, user.token)).status).toBe(status);
      const res = await api("GET", `/api/v1/media/${id}/download-url`, { token: user.token });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe("Media not found");
    }
    // The other patient learns nothing of this one.
    const other = await api("GET", `/api/v1/media/${id}/download-url`, {
      token: clinic.otherPatientUser.token,
    });
    expect(other.status).toBe(404);
    const denied = (await auditActions(clinic.patient.id)).filter((a) => a.outcome !== "success");
    expect(denied.length).toBeGreaterThanOrEqual(6);
  });

  it("another workspace's media is a 404 and its tokens name no patient", async () => {
    const other = await createClinic("Elsewhere");
    const id = await uploaded(clinic, bytesOf(32));
    const res = await api("GET", `/api/v1/media/${id}/download-url`, { token: other.admin.token });
    expect(res.status).toBe(404);
    const issued = expectStatus(await issue(clinic), 201);
    const token = new URL(issued.body.data.upload_url).pathname.split("/").pop()!;
    const claims = atob(token.split(".")[0]!.replaceAll("-", "+").replaceAll("_", "/"));
    expect(claims).not.toContain(clinic.patient.id);
    expect(claims).not.toContain(clinic.patient.mrn);
  });

  it("a user owner is written only by that user", async () => {
    const mine = await issue(
      clinic,
      {
        purpose: "chat_file",
        content_type: "image/png",
        owner: { kind: "user", id: clinic.family.id },
      },
      clinic.family.token,
    );
    expect(mine.status).toBe(201);
    const theirs = await issue(
      clinic,
      {
        purpose: "chat_file",
        content_type: "image/png",
        owner: { kind: "user", id: clinic.nurse.id },
      },
      clinic.physio.token,
    );
    expect(theirs.status).toBe(403);
  });
});
