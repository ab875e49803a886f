/** Shared helpers of the clinical-note tests. */
import { env } from "cloudflare:test";
import { PASSWORD, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { pathOf } from "../media/helpers";

export const N = "/api/v1/clinical-notes";
export { PASSWORD };

export const soap = {
  subjective: "Reports right knee pain 6/10 on stairs since March.",
  objective: "Knee flexion 95 degrees; BP 132/84; HR 76.",
  assessment: "Post-operative stiffness, improving.",
  plan: "Continue quad sets 3x10 daily; review in 2 weeks.",
};

/** A draft SOAP note by the physio (on the care team of `clinic.patient`). */
export async function draftNote(clinic: Clinic, overrides: Record<string, unknown> = {}) {
  const res = await api("POST", N, {
    token: clinic.physio.token,
    body: {
      patient_id: clinic.patient.id,
      template_type: "soap",
      consultation_type: "follow_up",
      visit_reason: "Knee review after arthroplasty",
      sections: { subjective: soap.subjective },
      ...overrides,
    },
  });
  expectStatus(res, 201);
  return res.body.data as { id: string; [k: string]: unknown };
}

/** Every raw column of the note's rows, to check no plaintext is stored. */
export async function rawNoteText(noteId: string) {
  const tables = [
    ["clinical_notes", "id"],
    ["clinical_note_versions", "note_id"],
    ["clinical_note_addenda", "note_id"],
    ["clinical_note_suggestions", "note_id"],
  ] as const;
  const parts: string[] = [];
  for (const [table, column] of tables) {
    const rows = await env.DB.prepare(`SELECT * FROM ${table} WHERE ${column} = ?`)
      .bind(noteId)
      .all();
    parts.push(JSON.stringify(rows.results));
  }
  return parts.join("\n");
}

export async function auditActions(requestId: string | null) {
  const rows = await env.DB.prepare(
    "SELECT action, outcome FROM audit_log WHERE request_id = ? ORDER BY seq",
  )
    .bind(requestId)
    .all<{ action: string; outcome: string }>();
  return rows.results.map((r) => `${r.action}:${r.outcome}`);
}

export const PDF = Uint8Array.from(new TextEncoder().encode("%PDF-1.4\n% test attachment\n%%EOF"));

/** Issues an attachment upload to the note as the physio; the issued upload (201 expected). */
export async function issueAttachment(clinic: Clinic, noteId: string, bytes = PDF) {
  return api("POST", `${N}/${noteId}/attachments`, {
    token: clinic.physio.token,
    body: { content_type: "application/pdf", size_bytes: bytes.byteLength },
  });
}

/** PUTs the bytes of an issued attachment upload. */
export const putAttachment = (uploadUrl: string, bytes = PDF) =>
  api("PUT", pathOf(uploadUrl), {
    raw: bytes,
    headers: { "content-type": "application/pdf", "content-length": String(bytes.byteLength) },
  });

/** Adds a PDF to the note as the physio; the media id. */
export async function attach(clinic: Clinic, noteId: string, bytes = PDF) {
  const issued = await issueAttachment(clinic, noteId, bytes);
  expectStatus(issued, 201);
  expectStatus(await putAttachment(issued.body.data.upload_url, bytes), 200);
  return issued.body.data.media_id as string;
}
