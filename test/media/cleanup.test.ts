/** Cron removes abandoned uploads: pending objects and incomplete multipart uploads in R2. */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { expectStatus, api } from "../helpers/http";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { runCron } from "../../src/jobs/cron";
import { bytesOf, issue, mediaRow, put, uploaded } from "./helpers";

const MiB = 1024 * 1024;
let clinic: Clinic;
beforeAll(async () => {
  clinic = await createClinic("Cleanup clinic");
});

describe("happy", () => {
  it("removes expired pending uploads and aborts their multipart uploads; keeps uploaded media", async () => {
    const kept = await uploaded(clinic, bytesOf(64));
    const single = expectStatus(await issue(clinic, { size_bytes: 64 }), 201).body.data;
    const multipart = expectStatus(
      await api("POST", "/api/v1/uploads/multipart", {
        token: clinic.physio.token,
        body: {
          purpose: "session_video",
          content_type: "video/mp4",
          size_bytes: 6 * MiB,
          part_size: 5 * MiB,
          owner: { kind: "patient", id: clinic.patient.id },
        },
      }),
      201,
    ).body.data;
    expectStatus(
      await put(multipart.parts[0].url, bytesOf(5 * MiB), {
        "content-type": "application/octet-stream",
      }),
      200,
    );
    const open = (await mediaRow(multipart.media_id))!;

    // Nothing is removed before expiry.
    await runCron(env, new Date());
    expect(await mediaRow(single.media_id)).not.toBeNull();

    await runCron(env, new Date(Date.now() + 25 * 3600_000));
    expect(await mediaRow(single.media_id)).toBeNull();
    expect(await mediaRow(multipart.media_id)).toBeNull();
    expect(await mediaRow(kept)).not.toBeNull();
    const parts = await env.DB.prepare(
      "select count(*) as n from media_upload_parts where media_id = ?",
    )
      .bind(multipart.media_id)
      .first<{ n: number }>();
    expect(parts!.n).toBe(0);
    // R2 no longer has the multipart upload: completing it fails.
    const upload = env.MEDIA.resumeMultipartUpload(open.object_key, open.multipart_upload_id);
    await expect(upload.complete([{ partNumber: 1, etag: "x" }])).rejects.toThrow();
  });
});
