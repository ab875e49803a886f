/**
 * Signed notes stay as signed (issue 17): racing signatures leave one signature and one audit
 * entry; only the author signs and only an admin deletes a signed note; a finalized or signed
 * note's attachments are neither added nor removed, and their media go only with the note; a
 * replayed client_id never merges into another note. Lost races of guarded edits leave no
 * success entry (the writes go through src/lib/guarded-write.ts).
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { clinicalNotes } from "../../src/db/schema/clinical-notes";
import { ConflictError } from "../../src/lib/errors";
import { uuidv7 } from "../../src/lib/ids";
import { applyEdit } from "../../src/modules/clinical-notes/clinical-notes.edit";
import type { NoteRow } from "../../src/modules/clinical-notes/clinical-notes.data";
import { deleteMedia } from "../../src/modules/media/media.service";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { testContext } from "../platform/context";
import {
  attach,
  auditActions,
  draftNote,
  issueAttachment,
  N,
  PASSWORD,
  putAttachment,
  soap,
} from "./helpers";

const sign = (clinic: Clinic, noteId: string, token = clinic.physio.token) =>
  api("POST", `${N}/${noteId}/sign`, { token, body: { password: PASSWORD } });

/** A final note by the physio, signed unless told otherwise. */
async function finalNote(clinic: Clinic, signed = true, overrides: Record<string, unknown> = {}) {
  const note = await draftNote(clinic, { sections: soap, is_draft: false, ...overrides });
  if (signed) expectStatus(await sign(clinic, note.id), 200);
  return note;
}

/** Puts the doctor on the care team of the clinic's patient (another clinician who may read). */
async function doctorOnTeam(clinic: Clinic) {
  await env.DB.prepare(
    "INSERT INTO care_team_members (id, workspace_id, patient_id, user_id, created_at) VALUES (?, ?, ?, ?, ?)",
  )
    .bind(
      uuidv7(),
      clinic.workspaceId,
      clinic.patient.id,
      clinic.doctor.id,
      new Date().toISOString(),
    )
    .run();
}

async function successes(action: string, resourceId: string) {
  const row = await env.DB.prepare(
    "SELECT count(*) AS n FROM audit_log WHERE action = ? AND resource_id = ? AND outcome = 'success'",
  )
    .bind(action, resourceId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

const mediaRow = (id: string) =>
  env.DB.prepare("SELECT object_key FROM media_objects WHERE id = ?")
    .bind(id)
    .first<{ object_key: string }>();

function ctxOf(clinic: Clinic, who: "physio" | "admin") {
  const ctx = testContext();
  const user = clinic[who];
  ctx.caller = {
    userId: user.id,
    workspaceId: clinic.workspaceId,
    role: user.role,
    sessionId: user.sessionId,
  };
  return ctx;
}

describe("happy", () => {
  it("of two racing signatures exactly one lands, with one clinical_note.signed entry", async () => {
    const clinic = await createClinic();
    const note = await finalNote(clinic, false);
    const results = await Promise.all([sign(clinic, note.id), sign(clinic, note.id)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses, results.map((r) => r.text).join("\n")).toEqual([200, 409]);
    expect(await successes("clinical_note.signed", note.id)).toBe(1);
  });

  it("an admin deletes a signed note; the author deletes an unsigned one", async () => {
    const clinic = await createClinic();
    const signed = await finalNote(clinic);
    const del = await api("DELETE", `${N}/${signed.id}`, { token: clinic.admin.token });
    expectStatus(del, 204);
    const unsigned = await finalNote(clinic, false);
    expectStatus(await api("DELETE", `${N}/${unsigned.id}`, { token: clinic.physio.token }), 204);
  });

  it("a purge under the retention rule takes the note's attachments with it", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic, { sections: soap });
    const mediaId = await attach(clinic, note.id);
    expectStatus(
      await api("POST", `${N}/${note.id}/finalize`, { token: clinic.physio.token }),
      200,
    );
    expectStatus(await sign(clinic, note.id), 200);
    // Past its retention: created eight years ago.
    await env.DB.prepare("UPDATE clinical_notes SET created_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 8 * 365.25 * 86_400_000).toISOString(), note.id)
      .run();
    const key = (await mediaRow(mediaId))!.object_key;
    expectStatus(await api("DELETE", `${N}/${note.id}`, { token: clinic.admin.token }), 204);
    const purge = await api("DELETE", `${N}/${note.id}/permanent`, { token: clinic.admin.token });
    expect(purge.status, purge.text).toBe(204);
    expect(await mediaRow(mediaId)).toBeNull();
    expect(await env.MEDIA.head(key)).toBeNull();
    expect(await successes("media.deleted", mediaId)).toBe(1);
  });

  it("a replayed client_id answers the first note for the same patient", async () => {
    const clinic = await createClinic();
    const client_id = uuidv7();
    const first = await draftNote(clinic, { client_id });
    const again = await draftNote(clinic, { client_id });
    expect(again.id).toBe(first.id);
  });
});

describe("errors", () => {
  it("attachments of a finalized or signed note are neither added nor removed (409 naming the state)", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic, { sections: soap });
    const mediaId = await attach(clinic, note.id);
    // Issued while a draft, sent after finalizing: not added either.
    const late = await issueAttachment(clinic, note.id);
    expectStatus(late, 201);
    expectStatus(
      await api("POST", `${N}/${note.id}/finalize`, { token: clinic.physio.token }),
      200,
    );

    for (const state of ["finalized", "signed"]) {
      if (state === "signed") expectStatus(await sign(clinic, note.id), 200);
      const add = await issueAttachment(clinic, note.id);
      expectStatus(add, 409);
      expect(add.body.error.message).toContain(state);
      const remove = await api("DELETE", `${N}/${note.id}/attachments/${mediaId}`, {
        token: clinic.physio.token,
      });
      expectStatus(remove, 409);
      expect(remove.body.error.message).toContain(state);
      const put = await putAttachment(late.body.data.upload_url);
      expectStatus(put, 409);
      expect(put.body.error.message).toContain(state);
    }
    const list = await api("GET", `${N}/${note.id}/attachments`, { token: clinic.physio.token });
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual([mediaId]);
    expect(await successes("media.uploaded", late.body.data.media_id)).toBe(0);
  });

  it("the media delete path refuses a signed note's attachment, audited", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic, { sections: soap });
    const mediaId = await attach(clinic, note.id);
    expectStatus(
      await api("POST", `${N}/${note.id}/finalize`, { token: clinic.physio.token }),
      200,
    );
    expectStatus(await sign(clinic, note.id), 200);
    const ctx = ctxOf(clinic, "admin");
    const refused = await deleteMedia(ctx, mediaId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as Error).message).toContain("signed");
    expect(await mediaRow(mediaId)).not.toBeNull();
    expect(await auditActions(ctx.requestId)).toEqual(["media.deleted:denied"]);
  });

  it("a replayed client_id never merges: another patient 409, a note no longer readable 404", async () => {
    const clinic = await createClinic();
    await env.DB.prepare(
      "INSERT INTO care_team_members (id, workspace_id, patient_id, user_id, created_at) VALUES (?, ?, ?, ?, ?)",
    )
      .bind(uuidv7(), clinic.workspaceId, clinic.otherPatient.id, clinic.physio.id, "2026-01-01")
      .run();
    const client_id = uuidv7();
    const first = await draftNote(clinic, { client_id });
    const other = await api("POST", N, {
      token: clinic.physio.token,
      body: { patient_id: clinic.otherPatient.id, template_type: "soap", sections: {}, client_id },
    });
    expectStatus(other, 409);
    const count = await env.DB.prepare(
      "SELECT count(*) AS n FROM clinical_notes WHERE author_id = ?",
    )
      .bind(clinic.physio.id)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);

    expectStatus(await api("DELETE", `${N}/${first.id}`, { token: clinic.physio.token }), 204);
    const gone = await api("POST", N, {
      token: clinic.physio.token,
      body: { patient_id: clinic.patient.id, template_type: "soap", sections: {}, client_id },
    });
    expectStatus(gone, 404);
    expect(gone.body.error.message).toBe("Clinical note not found");
  });

  it("a scribe replay of a signed note's client_id adds no suggestions or provenance", async () => {
    const clinic = await createClinic();
    const client_id = uuidv7();
    const note = await finalNote(clinic, true, { client_id });
    const res = await api("POST", "/api/v1/scribe/generate-note", {
      token: clinic.physio.token,
      body: {
        patient_id: clinic.patient.id,
        template_type: "soap",
        text: "Pain 4/10. The patient maybe has a fracture.",
        client_id,
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data.note_id).toBe(note.id);
    const got = await api("GET", `${N}/${note.id}`, { token: clinic.physio.token });
    expect(got.body.data).toMatchObject({ is_signed: true, ai: null, suggestions: [] });
    expect(await successes("scribe.generated", note.id)).toBe(0);
  });

  it("the lost race of a draft edit leaves no success entry and no change", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic);
    await env.DB.prepare("UPDATE clinical_notes SET updated_at = ? WHERE id = ?")
      .bind("2026-01-01T00:00:00.000Z", note.id)
      .run();
    // This edit reads the note; another writer lands before it writes.
    const stale = await loadRow(note.id);
    const won = await api("PUT", `${N}/${note.id}`, {
      token: clinic.physio.token,
      body: { sections: { plan: "The winner's plan." } },
    });
    expectStatus(won, 200);
    const ctx = ctxOf(clinic, "physio");
    const lost = await applyEdit(ctx, ctx.caller!, stale, { sections: { plan: "Loser" } }).catch(
      (e: unknown) => e,
    );
    expect(lost).toBeInstanceOf(ConflictError);
    expect(await auditActions(ctx.requestId)).toEqual([]);
    const got = await api("GET", `${N}/${note.id}`, { token: clinic.physio.token });
    expect(got.body.data.sections.plan).toBe("The winner's plan.");
  });

  it("of two racing autosaves one lands, and only it is audited", async () => {
    const clinic = await createClinic();
    const note = await draftNote(clinic);
    const save = (plan: string) =>
      api("PATCH", `${N}/${note.id}/draft`, {
        token: clinic.physio.token,
        body: { sections: { plan } },
      });
    const results = await Promise.all([save("A"), save("B")]);
    expect(results.map((r) => r.status).sort(), results.map((r) => r.text).join("\n")).toEqual([
      200, 429,
    ]);
    expect(await successes("clinical_note.autosaved", note.id)).toBe(1);
  });
});

describe("security", () => {
  it("only the author signs: a clinician on the team 403, off the team 404, an admin 403", async () => {
    const clinic = await createClinic();
    await doctorOnTeam(clinic);
    const note = await finalNote(clinic, false);
    const byDoctor = await sign(clinic, note.id, clinic.doctor.token);
    expectStatus(byDoctor, 403);
    expect(await auditActions(byDoctor.headers.get("x-request-id"))).toEqual([
      "clinical_note.signed:denied",
    ]);
    expectStatus(await sign(clinic, note.id, clinic.nurse.token), 404);
    expectStatus(await sign(clinic, uuidv7(), clinic.nurse.token), 404);
    expectStatus(await sign(clinic, note.id, clinic.admin.token), 403);
    expect(await successes("clinical_note.signed", note.id)).toBe(0);
    expectStatus(await sign(clinic, note.id), 200);
  });

  it("only an admin deletes a signed note: the author and another clinician get 403", async () => {
    const clinic = await createClinic();
    await doctorOnTeam(clinic);
    const note = await finalNote(clinic);
    for (const token of [clinic.physio.token, clinic.doctor.token]) {
      const res = await api("DELETE", `${N}/${note.id}`, { token });
      expectStatus(res, 403);
      expect(await auditActions(res.headers.get("x-request-id"))).toEqual([
        "clinical_note.deleted:denied",
      ]);
    }
    expectStatus(await api("DELETE", `${N}/${note.id}`, { token: clinic.nurse.token }), 404);
    expectStatus(await api("GET", `${N}/${note.id}`, { token: clinic.physio.token }), 200);
  });
});

async function loadRow(id: string): Promise<NoteRow> {
  const [row] = await drizzle(env.DB).select().from(clinicalNotes).where(eq(clinicalNotes.id, id));
  return row!;
}
