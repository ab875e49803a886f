import type { RouteCase } from "../suite";
import { ALL_ROLES } from "../../../src/policy/policy";
import { insertAssignment, insertExerciseType, stepUpBody } from "../../exercises/helpers";
import type { Clinic } from "../../helpers/fixtures";

const anyone = [...ALL_ROLES];
/** Clinicians whose role may act but who are not on the patient's care team: 404, like no id. */
const notOnTeam = { doctor: 404, nurse: 404 } as const;

/** An assignment of clinic.patient (physio's care team) made by the physio. */
const assignment = (c: Clinic) =>
  insertAssignment({
    workspaceId: c.workspaceId,
    patientId: c.patient.id,
    assignedBy: c.physio.id,
  });

export const exerciseCases: RouteCase[] = [
  { method: "GET", path: "/api/v1/exercise-types", allow: anyone },
  {
    method: "GET",
    path: "/api/v1/exercise-types/{id}",
    allow: anyone,
    build: async (c) => ({ params: { id: (await insertExerciseType(c.workspaceId)).id } }),
  },
  {
    method: "POST",
    path: "/api/v1/exercise-types",
    allow: ["admin"],
    build: () => ({ body: stepUpBody() }),
  },
  {
    method: "PUT",
    path: "/api/v1/exercise-types/{id}",
    allow: ["admin"],
    build: async (c) => ({
      params: { id: (await insertExerciseType(c.workspaceId)).id },
      body: { difficulty_level: "advanced" },
    }),
  },
  {
    method: "POST",
    path: "/api/v1/exercises",
    allow: ["physiotherapist"],
    deny: notOnTeam,
    patientData: true,
    build: async (c) => ({
      body: {
        patient_id: c.patient.id,
        exercise_type_id: (await insertExerciseType(c.workspaceId)).id,
        sets: 3,
        repetitions: 10,
        frequency: "3 times per week",
        instructions: "Hold the rail for balance",
      },
    }),
  },
  {
    method: "GET",
    path: "/api/v1/exercises/{id}",
    allow: ["admin", "physiotherapist", "patient"],
    deny: { ...notOnTeam, family: 404 },
    patientData: true,
    build: async (c) => ({ params: { id: (await assignment(c)).id } }),
  },
  {
    method: "PUT",
    path: "/api/v1/exercises/{id}",
    allow: ["physiotherapist", "patient"],
    deny: notOnTeam,
    patientData: true,
    build: async (c) => ({
      params: { id: (await assignment(c)).id },
      body: { status: "Completed" },
    }),
  },
  {
    method: "GET",
    path: "/api/v1/exercises/patient/{patient_id}",
    allow: ["admin", "physiotherapist", "patient"],
    deny: { ...notOnTeam, family: 404 },
    patientData: true,
    build: (c) => ({ params: { patient_id: c.patient.id } }),
  },
  {
    method: "GET",
    path: "/api/v1/exercises/doctor/{doctor_id}",
    allow: ["admin", "physiotherapist"],
    patientData: true,
    build: (c) => ({ params: { doctor_id: c.physio.id } }),
  },
  { method: "GET", path: "/api/v1/templates", allow: anyone },
  { method: "GET", path: "/api/v1/consultation-types", allow: anyone },
];
