/**
 * Upload integrity (issue 19): a URL binds type and exact length, an object is created once and
 * frozen at confirmation (size and SHA-256), and a purpose hangs only off its owner kinds.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectStatus } from "../helpers/http";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { auditActions, bytesOf, issue, mediaRow, put, sha256 } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  clinic = await createClinic("Integrity clinic");
});

const storedBytes = async (key: string) =>
  new Uint8Array(await (await env.MEDIA.get(key))!.arrayBuffer());

describe("happy", () => {
  it("each upload gets its own object key", async () => {
    const a = expectStatus(await issue(clinic), 201).body.data;
    const b = expectStatus(await issue(clinic), 201).body.data;
    const [rowA, rowB] = [(await mediaRow(a.media_id))!, (await mediaRow(b.media_id))!];
    expect(rowA.object_key).not.toBe(rowB.object_key);
    expect(a.upload_url).not.toBe(b.upload_url);
  });

  it("a PUT whose confirmation was lost is confirmed from what R2 holds, once", async () => {
    const bytes = bytesOf(512, 2);
    const issued = expectStatus(await issue(clinic, { size_bytes: 512 }), 201).body.data;
    const row = (await mediaRow(issued.media_id))!;
    // The bytes reached R2 but the row was never marked (the Worker died in between).
    await env.MEDIA.put(row.object_key, bytes, { httpMetadata: { contentType: "video/mp4" } });
    // A different body for the same URL cannot replace them: 409, R2 still holds the first.
    expectStatus(await put(issued.upload_url, bytesOf(512, 3)), 409);
    expect(await storedBytes(row.object_key)).toEqual(bytes);
    const confirmed = (await mediaRow(issued.media_id))!;
    expect(confirmed).toMatchObject({ status: "uploaded", size_bytes: 512 });
    expect(confirmed.sha256).toBe(await sha256(bytes));
    // The client's retry of the same bytes answers the stored result.
    const retried = expectStatus(await put(issued.upload_url, bytes), 200);
    expect(retried.body.data.sha256).toBe(await sha256(bytes));
    const uploadedEntries = (await auditActions(issued.media_id)).filter(
      (a) => a.action === "media.uploaded",
    );
    expect(uploadedEntries).toHaveLength(1);
  });
});

describe("errors", () => {
  it("a second PUT to a confirmed upload's URL is a 409 and the object is unchanged", async () => {
    const bytes = bytesOf(1000, 5);
    const issued = expectStatus(await issue(clinic, { size_bytes: 1000 }), 201).body.data;
    expectStatus(await put(issued.upload_url, bytes), 200);
    const row = (await mediaRow(issued.media_id))!;
    const head = (await env.MEDIA.head(row.object_key))!;
    expect(row.sha256).toBe(await sha256(bytes));

    const other = bytesOf(1000, 6);
    const attempts: Record<string, string>[] = [
      { "content-type": "video/mp4" },
      { "content-type": "video/mp4", "x-content-sha256": await sha256(other) },
    ];
    for (const headers of attempts) {
      const again = await put(issued.upload_url, other, headers);
      expect(again.status, again.text).toBe(409);
      expect(again.body.error.code).toBe("CONFLICT");
    }
    // Nothing changed: the same R2 object (etag, upload time), the same bytes, the frozen row.
    const after = (await env.MEDIA.head(row.object_key))!;
    expect(after.etag).toBe(head.etag);
    expect(after.uploaded.getTime()).toBe(head.uploaded.getTime());
    expect(await storedBytes(row.object_key)).toEqual(bytes);
    expect(await mediaRow(issued.media_id)).toEqual(row);
    expect(
      (await auditActions(issued.media_id)).filter((a) => a.action === "media.uploaded"),
    ).toHaveLength(1);
  });

  it("a body of another length than the signed one is refused before anything is stored", async () => {
    const issued = expectStatus(await issue(clinic, { size_bytes: 1000 }), 201).body.data;
    expect(issued.headers["content-length"]).toBe("1000");
    for (const size of [999, 1]) {
      const res = await put(issued.upload_url, bytesOf(size));
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.details).toEqual([
        { field: "content-length", message: "Must be exactly 1000 bytes, as signed" },
      ]);
    }
    expect((await put(issued.upload_url, bytesOf(1001))).status).toBe(413);
    const row = (await mediaRow(issued.media_id))!;
    expect(row.status).toBe("pending");
    expect(await env.MEDIA.head(row.object_key)).toBeNull();
    // Issued without a size, the purpose's cap is a limit, not an exact length.
    const open = expectStatus(await issue(clinic, { size_bytes: undefined }), 201).body.data;
    expect(open.headers["content-length"]).toBeUndefined();
    expectStatus(await put(open.upload_url, bytesOf(123)), 200);
  });

  it("a declared SHA-256 that does not match stores nothing, and the URL stays usable", async () => {
    const bytes = bytesOf(300, 8);
    const issued = expectStatus(await issue(clinic, { size_bytes: 300 }), 201).body.data;
    const wrong = await put(issued.upload_url, bytes, {
      "content-type": "video/mp4",
      "x-content-sha256": await sha256(bytesOf(300, 9)),
    });
    expect(wrong.status).toBe(422);
    expect(await env.MEDIA.head((await mediaRow(issued.media_id))!.object_key)).toBeNull();
    const right = await put(issued.upload_url, bytes, {
      "content-type": "video/mp4",
      "x-content-sha256": await sha256(bytes),
    });
    expect(right.status, right.text).toBe(200);
  });

  it("a purpose that does not belong to the owner's kind is a 422 naming owner.kind", async () => {
    const cases = [
      { purpose: "session_video", owner: { kind: "chat", id: crypto.randomUUID() } },
      { purpose: "call_recording", owner: { kind: "patient", id: clinic.patient.id } },
      {
        purpose: "note_attachment",
        content_type: "application/pdf",
        owner: { kind: "user", id: clinic.physio.id },
      },
    ];
    for (const body of cases) {
      const res = await issue(clinic, body);
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.details).toEqual([
        expect.objectContaining({ field: "owner.kind", message: expect.stringContaining("For ") }),
      ]);
    }
    // Multipart applies the same rule.
    const multipart = await api("POST", "/api/v1/uploads/multipart", {
      token: clinic.physio.token,
      body: {
        purpose: "session_video",
        content_type: "video/mp4",
        size_bytes: 6 * 1024 * 1024,
        owner: { kind: "chat", id: crypto.randomUUID() },
      },
    });
    expect(multipart.status).toBe(422);
    expect(multipart.body.error.details[0].field).toBe("owner.kind");
  });
});
