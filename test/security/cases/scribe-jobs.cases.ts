/**
 * Scribe jobs (readable by their author only; everyone else gets the 404 of an unknown id) and
 * suggestions for an existing note (clinicians who may write the note; off the team: 404).
 */
import type { RouteCase } from "../suite";
import type { Clinic } from "../../helpers/fixtures";
import { api } from "../../helpers/http";

/** A generate-note job the physio (on clinic.patient's care team) queued; its id. */
async function queuedJob(c: Clinic) {
  const res = await api("POST", "/api/v1/scribe/generate-note", {
    token: c.physio.token,
    body: { patient_id: c.patient.id, template_type: "soap", text: "Pain 4/10.", async: true },
  });
  if (res.status !== 202) throw new Error(res.text);
  return res.body.data.id as string;
}

/** A draft SOAP note of clinic.patient by the physio; its id. */
async function draftNoteId(c: Clinic) {
  const res = await api("POST", "/api/v1/clinical-notes", {
    token: c.physio.token,
    body: { patient_id: c.patient.id, template_type: "soap", sections: { subjective: "Pain." } },
  });
  if (res.status !== 201) throw new Error(res.text);
  return res.body.data.id as string;
}

export const scribeJobCases: RouteCase[] = [
  {
    method: "POST",
    path: "/api/v1/scribe/generate-suggestions",
    allow: ["physiotherapist"],
    deny: { doctor: 404, nurse: 404 },
    patientData: true,
    crossWorkspace: true,
    build: async (c) => ({
      body: { note_id: await draftNoteId(c), segments: [{ id: "s1", text: "Knee pain 3/10." }] },
    }),
  },
  {
    method: "GET",
    path: "/api/v1/scribe/jobs/{id}",
    allow: ["physiotherapist"],
    deny: { admin: 404, doctor: 404, nurse: 404, patient: 404, family: 404 },
    patientData: true,
    build: async (c) => ({ params: { id: await queuedJob(c) } }),
  },
];
