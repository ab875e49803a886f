/**
 * Exercise assignments (seed 004): `POST /exercises`, `GET/PUT /exercises/{id}`,
 * `GET /exercises/patient/{patient_id}`, `GET /exercises/doctor/{doctor_id}`.
 */
import { ok, okList } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonList, jsonOk } from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import { getAssignment, listAssignmentsBy, listPatientAssignments } from "./exercises.reads";
import {
  AssignmentIdParam,
  AssignmentQuery,
  CreateAssignmentInput,
  DoctorIdParam,
  ExerciseAssignment,
  IdempotencyHeaders,
  PatientIdParam,
  UpdateAssignmentInput,
} from "./exercises.schemas";
import { createAssignment, updateAssignment } from "./exercises.service";

const tags = ["exercise assignments"];
const BASE = "/api/v1/exercises";

const createAssignmentRoute = defineRoute({
  method: "post",
  path: BASE,
  auth: "bearer",
  tags,
  summary: "Assign an exercise to a patient (care-team clinician); idempotent with a key",
  request: { headers: IdempotencyHeaders, ...jsonBody(CreateAssignmentInput) },
  responses: {
    201: jsonOk(ExerciseAssignment, "Created, or the first result of a repeated key"),
  },
});

const getAssignmentRoute = defineRoute({
  method: "get",
  path: `${BASE}/{id}`,
  auth: "bearer",
  tags,
  summary: "One assignment (its patient, care team, admin, family with the 'exercises' scope)",
  request: { params: AssignmentIdParam },
  responses: { 200: jsonOk(ExerciseAssignment) },
});

const updateAssignmentRoute = defineRoute({
  method: "put",
  path: `${BASE}/{id}`,
  auth: "bearer",
  tags,
  summary: "Change an assignment (care-team clinician: anything; the patient: status only)",
  request: { params: AssignmentIdParam, ...jsonBody(UpdateAssignmentInput) },
  responses: { 200: jsonOk(ExerciseAssignment) },
});

const byPatientRoute = defineRoute({
  method: "get",
  path: `${BASE}/patient/{patient_id}`,
  auth: "bearer",
  tags,
  summary: "A patient's assignments, newest first (filter by status)",
  request: { params: PatientIdParam, query: AssignmentQuery },
  responses: { 200: jsonList(ExerciseAssignment) },
});

const byDoctorRoute = defineRoute({
  method: "get",
  path: `${BASE}/doctor/{doctor_id}`,
  auth: "bearer",
  tags,
  summary: "Assignments made by a clinician (that clinician or an admin)",
  request: { params: DoctorIdParam, query: AssignmentQuery },
  responses: { 200: jsonList(ExerciseAssignment) },
});

export const exerciseRoutes = createRouter();

exerciseRoutes.openapi(createAssignmentRoute, async (c) => {
  const key = c.req.valid("header")["idempotency-key"];
  const result = await createAssignment(c.var.ctx, c.req.valid("json"), key);
  if (result.replayed) c.header("Idempotent-Replayed", "true");
  return ok(c, result.assignment, 201);
});

exerciseRoutes.openapi(getAssignmentRoute, async (c) =>
  ok(c, await getAssignment(c.var.ctx, c.req.valid("param").id), 200),
);

exerciseRoutes.openapi(updateAssignmentRoute, async (c) =>
  ok(c, await updateAssignment(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
);

exerciseRoutes.openapi(byPatientRoute, async (c) => {
  const query = c.req.valid("query");
  const page = await listPatientAssignments(c.var.ctx, c.req.valid("param").patient_id, query);
  return okList(c, page.items, paginationOf(query, page.total));
});

exerciseRoutes.openapi(byDoctorRoute, async (c) => {
  const query = c.req.valid("query");
  const page = await listAssignmentsBy(c.var.ctx, c.req.valid("param").doctor_id, query);
  return okList(c, page.items, paginationOf(query, page.total));
});
