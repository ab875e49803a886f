import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { clinicalNoteSuggestions } from "../../../src/db/schema/clinical-notes";
import { uuidv7 } from "../../../src/lib/ids";
import { phiCipherFor } from "../../../src/middleware/request-context";
import { PASSWORD, type Clinic } from "../../helpers/fixtures";
import { api } from "../../helpers/http";
import { offTeamNotFound, type RouteCase } from "../suite";

/**
 * Cases for /clinical-notes. Each build writes a fresh note by the physio (care team of
 * `patient`): the doctor and nurse are staff outside the relation (403), the patient user sees
 * no draft (404) and family never sees notes (404). Admins read and manage but do not author.
 */
const N = "/api/v1/clinical-notes";
const sections = {
  subjective: "Knee pain 4/10.",
  objective: "Flexion 100 degrees.",
  assessment: "Improving.",
  plan: "Continue programme.",
};
const hidden = { patient: 404, family: 404 } as const;

async function note(clinic: Clinic, body: Record<string, unknown> = {}) {
  const res = await api("POST", N, {
    token: clinic.physio.token,
    body: { patient_id: clinic.patient.id, template_type: "soap", ...body },
  });
  if (res.status !== 201) throw new Error(`fixture note: ${res.status} ${res.text}`);
  return res.body.data.id as string;
}

async function deletedNote(clinic: Clinic) {
  const id = await note(clinic);
  await api("DELETE", `${N}/${id}`, { token: clinic.physio.token });
  return id;
}

async function suggestion(clinic: Clinic, noteId: string) {
  const id = uuidv7();
  await drizzle(env.DB)
    .insert(clinicalNoteSuggestions)
    .values({
      id,
      workspaceId: clinic.workspaceId,
      noteId,
      section: "plan",
      textEnc: await phiCipherFor(env).encrypt("Review in 2 weeks.", {
        table: "clinical_note_suggestions",
        column: "text",
        rowId: id,
      }),
      type: "action",
      provider: "embedded",
      model: "test",
      promptVersion: "test",
      createdAt: new Date().toISOString(),
    });
  return id;
}

const byId =
  (body?: unknown, init: Record<string, unknown> = {}) =>
  async (clinic: Clinic) => ({
    params: { id: await note(clinic, init) },
    body,
  });

/** Routes where staff off the care team get the 404 of an unknown id. */
const OFF_TEAM = [
  "DELETE /api/v1/clinical-notes/{id}",
  "GET /api/v1/clinical-notes/{id}",
  "GET /api/v1/clinical-notes/{id}/versions",
  "GET /api/v1/patients/{id}/clinical-notes",
  "PATCH /api/v1/clinical-notes/{id}/draft",
  "POST /api/v1/clinical-notes",
  "POST /api/v1/clinical-notes/{id}/accept-suggestion/{suggestion_id}",
  "POST /api/v1/clinical-notes/{id}/export",
  "POST /api/v1/clinical-notes/{id}/finalize",
  "POST /api/v1/clinical-notes/{id}/restore",
  "POST /api/v1/clinical-notes/{id}/sign",
  "POST /api/v1/scribe/generate-note",
  "POST /api/v1/scribe/summarize-call",
  "PUT /api/v1/clinical-notes/{id}",
];

export const clinicalNotesCases: RouteCase[] = offTeamNotFound(
  [
    { method: "GET", path: `${N}/settings`, allow: ["admin"] },
    {
      method: "PUT",
      path: `${N}/settings`,
      allow: ["admin"],
      build: () => ({ body: { patients_see_finalized: false } }),
    },
    {
      method: "POST",
      path: N,
      allow: ["physiotherapist"],
      patientData: true,
      build: (clinic) => ({ body: { patient_id: clinic.patient.id, template_type: "soap" } }),
    },
    {
      method: "GET",
      path: N,
      allow: ["admin", "physiotherapist", "doctor", "nurse", "patient"],
      patientData: true,
    },
    {
      method: "GET",
      path: "/api/v1/patients/{id}/clinical-notes",
      allow: ["admin", "physiotherapist", "patient"],
      patientData: true,
      build: (clinic) => ({ params: { id: clinic.patient.id } }),
    },
    {
      method: "GET",
      path: `${N}/{id}`,
      allow: ["admin", "physiotherapist"],
      deny: hidden,
      patientData: true,
      build: byId(),
    },
    {
      method: "PUT",
      path: `${N}/{id}`,
      allow: ["physiotherapist"],
      deny: hidden,
      patientData: true,
      build: byId({ sections: { plan: "Updated plan." } }),
    },
    {
      method: "PATCH",
      path: `${N}/{id}/draft`,
      allow: ["physiotherapist"],
      deny: hidden,
      patientData: true,
      build: byId({ sections: { plan: "Autosaved plan." } }),
    },
    {
      method: "POST",
      path: `${N}/{id}/finalize`,
      allow: ["physiotherapist"],
      deny: hidden,
      patientData: true,
      build: byId(undefined, { sections }),
    },
    {
      method: "POST",
      path: `${N}/{id}/sign`,
      allow: ["physiotherapist"],
      // The patient may see this final note only when the clinic enables it (not here).
      deny: hidden,
      patientData: true,
      build: byId({ password: PASSWORD }, { sections, is_draft: false }),
    },
    {
      method: "GET",
      path: `${N}/{id}/versions`,
      allow: ["admin", "physiotherapist"],
      deny: hidden,
      patientData: true,
      build: byId(undefined, { sections, is_draft: false }),
    },
    {
      method: "POST",
      path: `${N}/{id}/accept-suggestion/{suggestion_id}`,
      allow: ["physiotherapist"],
      deny: hidden,
      patientData: true,
      build: async (clinic) => {
        const id = await note(clinic);
        return { params: { id, suggestion_id: await suggestion(clinic, id) } };
      },
    },
    {
      method: "DELETE",
      path: `${N}/{id}`,
      allow: ["admin", "physiotherapist"],
      deny: hidden,
      patientData: true,
      build: byId(),
    },
    {
      method: "POST",
      path: `${N}/{id}/restore`,
      allow: ["admin", "physiotherapist"],
      deny: hidden,
      patientData: true,
      build: async (clinic) => ({ params: { id: await deletedNote(clinic) } }),
    },
    {
      method: "DELETE",
      path: `${N}/{id}/permanent`,
      allow: ["admin"],
      deny: hidden,
      patientData: true,
      build: async (clinic) => ({ params: { id: await deletedNote(clinic) } }),
    },
    {
      method: "POST",
      path: `${N}/{id}/export`,
      allow: ["admin", "physiotherapist"],
      deny: hidden,
      patientData: true,
      build: async (clinic) => ({ params: { id: await note(clinic) }, query: "format=txt" }),
    },
  ],
  OFF_TEAM,
);

const scribeBody = (clinic: Clinic) => ({
  patient_id: clinic.patient.id,
  segments: [{ id: "s1", text: "Knee pain 3/10, BP 120/80." }],
});

export const scribeCases: RouteCase[] = offTeamNotFound(
  [
    {
      method: "POST",
      path: "/api/v1/scribe/generate-note",
      allow: ["physiotherapist"],
      patientData: true,
      build: (clinic) => ({ body: { ...scribeBody(clinic), template_type: "soap" } }),
    },
    {
      method: "POST",
      path: "/api/v1/scribe/summarize-call",
      allow: ["physiotherapist"],
      patientData: true,
      build: (clinic) => ({ body: scribeBody(clinic) }),
    },
  ],
  OFF_TEAM,
);
