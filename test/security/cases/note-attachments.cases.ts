import type { RouteCase } from "../suite";
import type { Clinic } from "../../helpers/fixtures";
import { api } from "../../helpers/http";
import { pathOf } from "../../media/helpers";

const N = "/api/v1/clinical-notes";
/** The note's rule: patients and family never see a draft; staff off the care team get 404. */
const hidden = { patient: 404, family: 404, doctor: 404, nurse: 404 } as const;

async function note(c: Clinic) {
  const res = await api("POST", N, {
    token: c.physio.token,
    body: { patient_id: c.patient.id, template_type: "soap" },
  });
  if (res.status !== 201) throw new Error(res.text);
  return res.body.data.id as string;
}

async function attachment(c: Clinic) {
  const id = await note(c);
  const bytes = Uint8Array.from(new TextEncoder().encode("%PDF-1.4\n%%EOF"));
  const issued = await api("POST", `${N}/${id}/attachments`, {
    token: c.physio.token,
    body: { content_type: "application/pdf", size_bytes: bytes.byteLength },
  });
  if (issued.status !== 201) throw new Error(issued.text);
  await api("PUT", pathOf(issued.body.data.upload_url), {
    raw: bytes,
    headers: { "content-type": "application/pdf", "content-length": String(bytes.byteLength) },
  });
  return { id, media_id: issued.body.data.media_id as string };
}

export const noteAttachmentCases: RouteCase[] = [
  {
    method: "POST",
    path: `${N}/{id}/attachments`,
    allow: ["physiotherapist"],
    deny: hidden,
    patientData: true,
    build: async (c) => ({
      params: { id: await note(c) },
      body: { content_type: "image/png", size_bytes: 1024 },
    }),
  },
  {
    method: "GET",
    path: `${N}/{id}/attachments`,
    allow: ["admin", "physiotherapist"],
    deny: hidden,
    patientData: true,
    build: async (c) => ({ params: { id: await note(c) } }),
  },
  {
    method: "DELETE",
    path: `${N}/{id}/attachments/{media_id}`,
    allow: ["physiotherapist"],
    deny: hidden,
    patientData: true,
    build: async (c) => ({ params: await attachment(c) }),
  },
];
