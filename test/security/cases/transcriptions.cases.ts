import { env } from "cloudflare:test";
import type { RouteCase } from "../suite";
import { uuidv7 } from "../../../src/lib/ids";
import { phiCipherFor } from "../../../src/middleware/request-context";
import type { Clinic } from "../../helpers/fixtures";
import { api } from "../../helpers/http";
import { pathOf } from "../../media/helpers";

/** A voice recording of clinic.patient (care team: the physio), uploaded; its media id. */
async function recording(c: Clinic) {
  const bytes = new Uint8Array([82, 73, 70, 70, 1, 2, 3, 4]);
  const issued = await api("POST", "/api/v1/upload/generate-url", {
    token: c.physio.token,
    body: {
      purpose: "voice_message",
      content_type: "audio/wav",
      size_bytes: bytes.byteLength,
      owner: { kind: "patient", id: c.patient.id },
    },
  });
  if (issued.status !== 201) throw new Error(issued.text);
  const put = await api("PUT", pathOf(issued.body.data.upload_url), {
    raw: bytes,
    headers: { "content-type": "audio/wav", "content-length": String(bytes.byteLength) },
  });
  if (put.status !== 200) throw new Error(put.text);
  return issued.body.data.media_id as string;
}

/** A stored transcript of such a recording (written directly: no model runs in the suite). */
async function transcript(c: Clinic) {
  const mediaId = await recording(c);
  const phi = phiCipherFor(env);
  const id = uuidv7();
  const ref = (column: string) => ({ table: "transcripts", column, rowId: id });
  await env.DB.prepare(
    `insert into transcripts (id, workspace_id, media_id, patient_id, text_enc, segments_enc,
      segment_count, provider, model, created_by, created_at) values (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      c.workspaceId,
      mediaId,
      c.patient.id,
      await phi.encrypt("", ref("text")),
      await phi.encrypt("[]", ref("segments")),
      "workers-ai",
      "@cf/openai/whisper-large-v3-turbo",
      c.physio.id,
      new Date().toISOString(),
    )
    .run();
  return id;
}

/** Access follows the recording's owner (the patient): care team, admin and the patient. */
const readers = ["admin", "physiotherapist", "patient"] as const;
const outside = { doctor: 404, nurse: 404, family: 404 } as const;

export const transcriptionsCases: RouteCase[] = [
  {
    method: "POST",
    path: "/api/v1/transcriptions",
    allow: readers,
    deny: outside,
    patientData: true,
    build: async (c) => ({ body: { media_id: await recording(c) } }),
  },
  {
    method: "GET",
    path: "/api/v1/transcriptions/{id}",
    allow: readers,
    deny: outside,
    patientData: true,
    build: async (c) => ({ params: { id: await transcript(c) } }),
  },
];
