/** Multipart uploads: interrupted, resumed from the list of stored parts, completed with SHA-256. */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { streamInto, TooLargeWhileStreaming } from "../../src/modules/media/media.stream";
import { auditActions, bytesOf, mediaRow, pathOf, put, sha256 } from "./helpers";

const MiB = 1024 * 1024;
const SIZE = 11 * MiB + 123; // three parts of 5 MiB, the last one short
let clinic: Clinic;
beforeAll(async () => {
  clinic = await createClinic("Multipart clinic");
});

const create = (body: Record<string, unknown> = {}, token = clinic.patientUser.token) =>
  api("POST", "/api/v1/uploads/multipart", {
    token,
    body: {
      purpose: "session_video",
      content_type: "video/webm",
      size_bytes: SIZE,
      part_size: 5 * MiB,
      owner: { kind: "patient", id: clinic.patient.id },
      ...body,
    },
  });

const slice = (bytes: Uint8Array, n: number) => bytes.slice((n - 1) * 5 * MiB, n * 5 * MiB);
const putPart = (url: string, bytes: Uint8Array) =>
  put(url, bytes, { "content-type": "application/octet-stream" });

describe("happy", () => {
  it("an interrupted upload resumes from the stored parts and ends with a matching SHA-256", async () => {
    const bytes = bytesOf(SIZE, 11);
    const created = expectStatus(await create(), 201).body.data;
    expect(created).toMatchObject({ size_bytes: SIZE, part_size: 5 * MiB, part_count: 3 });
    expect(created.parts.map((p: any) => p.size_bytes)).toEqual([5 * MiB, 5 * MiB, 123 + MiB]);

    // Part 1 arrives; part 2 is cut off mid-stream (the connection drops).
    expectStatus(await putPart(created.parts[0].url, slice(bytes, 1)), 200);
    const cut = new ReadableStream({
      start(controller) {
        controller.enqueue(slice(bytes, 2).slice(0, MiB));
        controller.error(new Error("connection lost"));
      },
    });
    await SELF.fetch(`https://api.test${pathOf(created.parts[1].url)}`, {
      method: "PUT",
      headers: { "content-length": String(5 * MiB), "content-type": "application/octet-stream" },
      body: cut,
    }).then(
      (res) => res.arrayBuffer(),
      () => undefined,
    );

    // Resume: the list says what is stored and signs URLs for what is missing.
    const listed = expectStatus(
      await api("GET", `/api/v1/uploads/multipart/${created.media_id}/parts`, {
        token: clinic.patientUser.token,
      }),
      200,
    ).body.data;
    expect(listed.parts).toEqual([
      { part_number: 1, size_bytes: 5 * MiB, sha256: await sha256(slice(bytes, 1)) },
    ]);
    expect(listed.missing.map((p: any) => p.part_number)).toEqual([2, 3]);
    for (const part of listed.missing) {
      expectStatus(await putPart(part.url, slice(bytes, part.part_number)), 200);
    }
    // A retried part replaces, never adds.
    expectStatus(await putPart(listed.missing[0].url, slice(bytes, 2)), 200);
    const parts = await env.DB.prepare(
      "select count(*) as n from media_upload_parts where media_id = ?",
    )
      .bind(created.media_id)
      .first<{ n: number }>();
    expect(parts!.n).toBe(3);

    const whole = await sha256(bytes);
    const done = expectStatus(
      await api("POST", `/api/v1/uploads/multipart/${created.media_id}/complete`, {
        token: clinic.patientUser.token,
        body: { sha256: whole },
      }),
      200,
    ).body.data;
    expect(done).toMatchObject({
      id: created.media_id,
      status: "uploaded",
      size_bytes: SIZE,
      sha256: whole,
    });
    const object = await env.MEDIA.get((await mediaRow(created.media_id))!.object_key);
    expect(await sha256(await object!.arrayBuffer())).toBe(whole);
    // Completing again answers the same; the parts' rows are gone.
    const again = await api("POST", `/api/v1/uploads/multipart/${created.media_id}/complete`, {
      token: clinic.patientUser.token,
      body: { sha256: whole },
    });
    expect(again.body.data).toEqual(done);
    expect((await auditActions(created.media_id)).map((a) => a.action)).toEqual([
      "media.created",
      "media.uploaded",
    ]);
  });

  it("abort discards the parts and the media object", async () => {
    const created = expectStatus(await create(), 201).body.data;
    expectStatus(await putPart(created.parts[0].url, bytesOf(5 * MiB)), 200);
    const res = await api("DELETE", `/api/v1/uploads/multipart/${created.media_id}`, {
      token: clinic.patientUser.token,
    });
    expect(res.status).toBe(204);
    expect(await mediaRow(created.media_id)).toBeNull();
    expect((await putPart(created.parts[1].url, bytesOf(5 * MiB))).status).toBe(404);
  });
});

describe("errors", () => {
  it("completion with missing parts is a 409 naming them; a wrong SHA-256 discards the object", async () => {
    const bytes = bytesOf(SIZE, 5);
    const created = expectStatus(await create(), 201).body.data;
    expectStatus(await putPart(created.parts[0].url, slice(bytes, 1)), 200);
    const complete = (body: unknown) =>
      api("POST", `/api/v1/uploads/multipart/${created.media_id}/complete`, {
        token: clinic.patientUser.token,
        body,
      });
    const missing = expectStatus(await complete({}), 409);
    expect(missing.body.error.details).toEqual({ missing_parts: [2, 3] });
    // A part of the wrong size is refused before anything is stored.
    const wrongSize = await putPart(created.parts[1].url, slice(bytes, 2).slice(0, 100));
    expect(wrongSize.status).toBe(422);
    expectStatus(await putPart(created.parts[1].url, slice(bytes, 2)), 200);
    expectStatus(await putPart(created.parts[2].url, slice(bytes, 3)), 200);
    const wrong = expectStatus(await complete({ sha256: "f".repeat(64) }), 422);
    expect(wrong.body.error.details[0].field).toBe("sha256");
    const row = (await mediaRow(created.media_id))!;
    expect(row.status).toBe("pending");
    expect(await env.MEDIA.head(row.object_key)).toBeNull();
    expect((await complete({})).status).toBe(409);
    expect((await complete({ sha256: "xyz" })).status).toBe(422);
  });

  it("refuses part sizes R2 cannot assemble and sizes above the purpose's cap", async () => {
    const small = expectStatus(await create({ part_size: MiB }), 422);
    expect(small.body.error.details[0].field).toBe("part_size");
    const huge = expectStatus(await create({ size_bytes: 5 * 1024 * MiB }), 422);
    expect(huge.body.error.details[0].field).toBe("size_bytes");
  });

  it("the byte limit holds while streaming even when the declared length lies", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(bytesOf(300));
        controller.close();
      },
    });
    let stored = 0;
    await expect(
      streamInto(body, 1200, 1000, async (stream) => {
        for await (const chunk of stream) stored += chunk.byteLength;
      }),
    ).rejects.toBeInstanceOf(TooLargeWhileStreaming);
    expect(stored).toBeLessThanOrEqual(1000);
  });
});

describe("security", () => {
  it("only those who may write the owner manage its multipart upload; other workspaces get 404", async () => {
    expect((await create({}, clinic.family.token)).status).toBe(403);
    expect((await create({}, clinic.nurse.token)).status).toBe(404);
    const created = expectStatus(await create(), 201).body.data;
    const path = `/api/v1/uploads/multipart/${created.media_id}/parts`;
    expect((await api("GET", path, { token: clinic.doctor.token })).status).toBe(404);
    expect((await api("GET", path, { token: clinic.otherPatientUser.token })).status).toBe(404);
    const other = await createClinic("Other multipart clinic");
    expect((await api("GET", path, { token: other.admin.token })).status).toBe(404);
    const abort = await api("DELETE", `/api/v1/uploads/multipart/${created.media_id}`, {
      token: other.admin.token,
    });
    expect(abort.status).toBe(404);
  });

  it("part URLs, completion and abort are the uploader's only: anyone else gets 404", async () => {
    const created = expectStatus(await create(), 201).body.data;
    const base = `/api/v1/uploads/multipart/${created.media_id}`;
    // The physio (care team, may write the patient's media) and the admin are not the uploader.
    for (const user of [clinic.physio, clinic.admin]) {
      const calls = [
        await api("GET", `${base}/parts`, { token: user.token }),
        await api("POST", `${base}/complete`, { token: user.token, body: {} }),
        await api("DELETE", base, { token: user.token }),
      ];
      for (const res of calls) {
        expect(res.status, res.text).toBe(404);
        expect(res.body.error.message).toBe("Media not found");
      }
    }
    // Nothing was aborted, and each refusal is audited as a denial naming the reason.
    expect((await mediaRow(created.media_id))!.status).toBe("pending");
    const denied = await env.DB.prepare(
      "select metadata from audit_log where resource_id = ? and outcome = 'denied'",
    )
      .bind(created.media_id)
      .all<{ metadata: string }>();
    expect(denied.results).toHaveLength(6);
    expect(JSON.parse(denied.results[0]!.metadata)).toEqual({ reason: "uploader" });
    // The uploader still manages it.
    const listed = expectStatus(
      await api("GET", `${base}/parts`, { token: clinic.patientUser.token }),
      200,
    );
    expect(listed.body.data.missing).toHaveLength(3);
    expect((await api("DELETE", base, { token: clinic.patientUser.token })).status).toBe(204);
  });
});
