/**
 * Patient records: `POST/GET /patients`, `GET/PUT /patients/profile`, `GET/PUT/DELETE
 * /patients/{id}`; the sub-record and care-team/family routers are mounted here too.
 */
import { z } from "@hono/zod-openapi";
import { ok, okList } from "../../lib/envelope";
import {
  createRouter,
  defineRoute,
  jsonBody,
  jsonList,
  jsonOk,
  noContent,
} from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import { patientRecordRoutes } from "./patient-records.routes";
import { PatientIdParam } from "./patient-team.schemas";
import { patientTeamRoutes } from "./patient-team.routes";
import { getOwnProfile, updateOwnProfile } from "./patients.profile";
import {
  CreatePatientInput,
  ListPatientsQuery,
  Patient,
  PatientDetail,
  PatientSummary,
  UpdatePatientInput,
  UpdateProfileInput,
} from "./patients.schemas";
import { createPatient, deletePatient, getPatient, updatePatient } from "./patients.service";
import { listPatients } from "./patients.list";
import { FamilyPatientView } from "./patients.family-view";

const tags = ["patients"];
const base = "/api/v1/patients";

export const patientRoutes = createRouter();

// `/patients/profile` beside `/patients/{id}`: `{id}` routes UUIDs only (src/lib/openapi.ts).
patientRoutes.openapi(
  defineRoute({
    method: "get",
    path: `${base}/profile`,
    auth: "bearer",
    tags,
    summary: "The caller's own patient record, with its clinical parts (patients only)",
    responses: { 200: jsonOk(PatientDetail) },
  }),
  async (c) => ok(c, await getOwnProfile(c.var.ctx), 200),
);

patientRoutes.openapi(
  defineRoute({
    method: "put",
    path: `${base}/profile`,
    auth: "bearer",
    tags,
    summary: "Change the caller's own contact fields (patients only)",
    request: jsonBody(UpdateProfileInput),
    responses: { 200: jsonOk(Patient) },
  }),
  async (c) => ok(c, await updateOwnProfile(c.var.ctx, c.req.valid("json")), 200),
);

patientRoutes.openapi(
  defineRoute({
    method: "post",
    path: base,
    auth: "bearer",
    tags,
    summary: "Create a patient record (staff); the MRN is unique in the workspace",
    request: jsonBody(CreatePatientInput),
    responses: { 201: jsonOk(Patient, "Created") },
  }),
  async (c) => ok(c, await createPatient(c.var.ctx, c.req.valid("json")), 201),
);

patientRoutes.openapi(
  defineRoute({
    method: "get",
    path: base,
    auth: "bearer",
    tags,
    summary: "The patients the caller may see; search by exact MRN or name words",
    description:
      "A family member gets FamilyPatientView items (no MRN, birth date or tags) and searches by name words only.",
    request: { query: ListPatientsQuery },
    responses: { 200: jsonList(z.union([PatientSummary, FamilyPatientView])) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { items, total } = await listPatients(c.var.ctx, query);
    // Staff and patients get summaries, family members family views: one list type for both.
    return okList(c, items as (typeof items)[number][], paginationOf(query, total));
  },
);

patientRoutes.openapi(
  defineRoute({
    method: "get",
    path: `${base}/{id}`,
    auth: "bearer",
    tags,
    summary: "A patient with active diagnoses and medications, allergies and latest vitals",
    description:
      "A family member gets the FamilyPatientView of a patient who shared with them: name, relationship and the granted scopes' sections.",
    request: { params: PatientIdParam },
    responses: { 200: jsonOk(z.union([PatientDetail, FamilyPatientView])) },
  }),
  async (c) => ok(c, await getPatient(c.var.ctx, c.req.valid("param").id), 200),
);

patientRoutes.openapi(
  defineRoute({
    method: "put",
    path: `${base}/{id}`,
    auth: "bearer",
    tags,
    summary: "Update any subset of a patient's fields (staff on the care team, or admin)",
    request: { params: PatientIdParam, ...jsonBody(UpdatePatientInput) },
    responses: { 200: jsonOk(Patient) },
  }),
  async (c) =>
    ok(c, await updatePatient(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);

patientRoutes.openapi(
  defineRoute({
    method: "delete",
    path: `${base}/{id}`,
    auth: "bearer",
    tags,
    summary: "Soft-delete a patient record (admin)",
    request: { params: PatientIdParam },
    responses: { 204: noContent },
  }),
  async (c) => {
    await deletePatient(c.var.ctx, c.req.valid("param").id);
    return c.body(null, 204);
  },
);

patientRoutes.route("/", patientRecordRoutes);
patientRoutes.route("/", patientTeamRoutes);
