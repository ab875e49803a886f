/** `POST/GET /patients/{id}/diagnoses`, `…/medications`, `…/allergies`, `…/vitals`. */
import { ok, okList } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonList, jsonOk } from "../../lib/openapi";
import { PageQuery, paginationOf } from "../../lib/pagination";
import {
  Allergy,
  CreateAllergyInput,
  CreateDiagnosisInput,
  CreateMedicationInput,
  CreateVitalInput,
  Diagnosis,
  Medication,
  Vital,
  VitalsQuery,
} from "./patient-records.schemas";
import {
  addAllergy,
  addDiagnosis,
  addMedication,
  listAllergies,
  listDiagnoses,
  listMedications,
  listVitals,
  recordVitals,
} from "./patient-records.service";
import { PatientIdParam } from "./patient-team.schemas";

const tags = ["patient records"];
const params = PatientIdParam;
const writers = "Staff on the patient's care team, or an admin";

export const patientRecordRoutes = createRouter();

patientRecordRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/patients/{id}/diagnoses",
    auth: "bearer",
    tags,
    summary: `Add a diagnosis. ${writers}`,
    request: { params, ...jsonBody(CreateDiagnosisInput) },
    responses: { 201: jsonOk(Diagnosis, "Created") },
  }),
  async (c) =>
    ok(c, await addDiagnosis(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 201),
);

patientRecordRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/api/v1/patients/{id}/diagnoses",
    auth: "bearer",
    tags,
    summary: "The patient's diagnoses, newest first",
    request: { params, query: PageQuery },
    responses: { 200: jsonList(Diagnosis) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { items, total } = await listDiagnoses(c.var.ctx, c.req.valid("param").id, query);
    return okList(c, items, paginationOf(query, total));
  },
);

patientRecordRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/patients/{id}/medications",
    auth: "bearer",
    tags,
    summary: `Add a medication. ${writers}`,
    request: { params, ...jsonBody(CreateMedicationInput) },
    responses: { 201: jsonOk(Medication, "Created") },
  }),
  async (c) =>
    ok(c, await addMedication(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 201),
);

patientRecordRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/api/v1/patients/{id}/medications",
    auth: "bearer",
    tags,
    summary: "The patient's medications (active and past), newest first",
    request: { params, query: PageQuery },
    responses: { 200: jsonList(Medication) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { items, total } = await listMedications(c.var.ctx, c.req.valid("param").id, query);
    return okList(c, items, paginationOf(query, total));
  },
);

patientRecordRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/patients/{id}/allergies",
    auth: "bearer",
    tags,
    summary: `Add an allergy with its severity. ${writers}`,
    request: { params, ...jsonBody(CreateAllergyInput) },
    responses: { 201: jsonOk(Allergy, "Created") },
  }),
  async (c) =>
    ok(c, await addAllergy(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 201),
);

patientRecordRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/api/v1/patients/{id}/allergies",
    auth: "bearer",
    tags,
    summary: "The patient's allergies, newest first",
    request: { params, query: PageQuery },
    responses: { 200: jsonList(Allergy) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { items, total } = await listAllergies(c.var.ctx, c.req.valid("param").id, query);
    return okList(c, items, paginationOf(query, total));
  },
);

patientRecordRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/patients/{id}/vitals",
    auth: "bearer",
    tags,
    summary: `Record vital signs; each value is checked against a physiological range. ${writers}`,
    request: { params, ...jsonBody(CreateVitalInput) },
    responses: { 201: jsonOk(Vital, "Recorded") },
  }),
  async (c) =>
    ok(c, await recordVitals(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 201),
);

patientRecordRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/api/v1/patients/{id}/vitals",
    auth: "bearer",
    tags,
    summary: "Vital-sign history, newest first, optionally within start_date..end_date",
    request: { params, query: VitalsQuery },
    responses: { 200: jsonList(Vital) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { items, total } = await listVitals(c.var.ctx, c.req.valid("param").id, query);
    return okList(c, items, paginationOf(query, total));
  },
);
