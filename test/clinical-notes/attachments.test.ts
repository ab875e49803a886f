/**
 * Note attachments through the media module: issue, PUT, list with download links, delete; the
 * purpose's rules (images and PDFs, 10 MB) and the note's access rule.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { waitForAuditRows } from "../helpers/queued-audit";
import { pathOf } from "../media/helpers";
import { attach, draftNote, N, PDF } from "./helpers";

describe("happy", () => {
  it("adds, lists with a working download link, and deletes an attachment", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic);
    const mediaId = await attach(clinic, note.id);
    const list = await api("GET", `${N}/${note.id}/attachments`, { token: clinic.admin.token });
    expectStatus(list, 200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({
      id: mediaId,
      purpose: "note_attachment",
      owner_kind: "clinical_note",
      owner_id: note.id,
      content_type: "application/pdf",
      size_bytes: PDF.byteLength,
    });
    await waitForAuditRows(list.headers.get("x-request-id"));
    const download = await api("GET", pathOf(list.body.data[0].download_url));
    expect(download.status).toBe(200);
    expect(download.text).toBe(new TextDecoder().decode(PDF));

    const del = await api("DELETE", `${N}/${note.id}/attachments/${mediaId}`, {
      token: clinic.physio.token,
    });
    expect(del.status, del.text).toBe(204);
    const after = await api("GET", `${N}/${note.id}/attachments`, { token: clinic.physio.token });
    expect(after.body.data).toEqual([]);
    const row = await env.DB.prepare("select id from media_objects where id = ?")
      .bind(mediaId)
      .first();
    expect(row).toBeNull();
  });
});

describe("errors", () => {
  it("refuses other types and sizes over 10 MB, naming the field", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic);
    const video = await api("POST", `${N}/${note.id}/attachments`, {
      token: clinic.physio.token,
      body: { content_type: "video/mp4", size_bytes: 100 },
    });
    expectStatus(video, 422);
    expect(video.body.error.details[0].field).toBe("content_type");
    const big = await api("POST", `${N}/${note.id}/attachments`, {
      token: clinic.physio.token,
      body: { content_type: "application/pdf", size_bytes: 10 * 1024 * 1024 + 1 },
    });
    expectStatus(big, 422);
    expect(big.body.error.details[0].field).toBe("size_bytes");
  });

  it("answers 404 for a media id that is not this note's attachment", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic);
    const other = await draftNote(clinic);
    const mediaId = await attach(clinic, other.id);
    const res = await api("DELETE", `${N}/${note.id}/attachments/${mediaId}`, {
      token: clinic.physio.token,
    });
    expectStatus(res, 404);
    expect(res.body.error.message).toBe("Attachment not found");
  });
});

describe("security", () => {
  it("follows the note's access: off-team staff, family, other workspaces get 404", async () => {
    const clinic = await createClinic();
    const other = await createClinic("Other");
    const note = await draftNote(clinic);
    const mediaId = await attach(clinic, note.id);
    for (const token of [clinic.doctor.token, clinic.family.token, other.physio.token]) {
      expectStatus(await api("GET", `${N}/${note.id}/attachments`, { token }), 404);
      // The media routes apply the same rule to the attachment's own id.
      expectStatus(await api("GET", `/api/v1/media/${mediaId}/download-url`, { token }), 404);
    }
    // Admins read notes but do not author them.
    const admin = await api("POST", `${N}/${note.id}/attachments`, {
      token: clinic.admin.token,
      body: { content_type: "image/png", size_bytes: 10 },
    });
    expectStatus(admin, 403);
  });
});
