import { offTeamNotFound, type RouteCase } from "../suite";
import { ALL_ROLES, STAFF_ROLES } from "../../../src/policy/policy";
import { insertAssignment } from "../../exercises/helpers";
import type { Clinic } from "../../helpers/fixtures";
import { figure, insertPosture, insertSession } from "../../sessions/helpers";

/** A pending session of clinic.patient (physio's care team; family holds session_summaries). */
const session = (c: Clinic) => insertSession(c.workspaceId, c.patient.id, c.patientUser.id);
const byId = async (c: Clinic) => ({ params: { id: (await session(c)).id } });
const writers = ["admin", "physiotherapist", "patient"] as const;
const frame = { timestamp: 1_706_630_400_000, landmarks: figure() };
const staff = [...STAFF_ROLES];

export const sessionsCases: RouteCase[] = offTeamNotFound(
  [
    {
      method: "POST",
      path: "/api/v1/sessions",
      allow: writers,
      patientData: true,
      build: async (c) => ({
        body: { patient_id: c.patient.id, exercise_type_id: (await session(c)).typeId },
      }),
    },
    { method: "GET", path: "/api/v1/sessions", allow: [...ALL_ROLES] },
    { method: "GET", path: "/api/v1/patients/sessions", allow: ["patient"], patientData: true },
    {
      method: "GET",
      path: "/api/v1/sessions/{id}",
      allow: [...writers, "family"],
      patientData: true,
      build: byId,
    },
    {
      method: "PUT",
      path: "/api/v1/sessions/{id}",
      allow: writers,
      patientData: true,
      build: async (c) => ({
        ...(await byId(c)),
        body: { frame_size: { width: 720, height: 1280 } },
      }),
    },
    {
      method: "DELETE",
      path: "/api/v1/sessions/{id}",
      allow: writers,
      patientData: true,
      build: byId,
    },
    {
      method: "POST",
      path: "/api/v1/sessions/{id}/data",
      allow: writers,
      patientData: true,
      build: async (c) => ({ ...(await byId(c)), body: { frames: [frame] } }),
    },
    {
      method: "GET",
      path: "/api/v1/sessions/{id}/frames",
      allow: writers,
      patientData: true,
      build: byId,
    },
    {
      method: "POST",
      path: "/api/v1/sessions/{id}/complete",
      allow: writers,
      patientData: true,
      build: byId,
    },
    { method: "GET", path: "/api/v1/physio/patients", allow: staff, patientData: true },
    { method: "GET", path: "/api/v1/physio/sessions", allow: staff, patientData: true },
    {
      method: "POST",
      path: "/api/v1/physio/reviews",
      allow: ["physiotherapist"],
      patientData: true,
      build: async (c) => ({
        body: { session_id: (await session(c)).id, overall_assessment: "GOOD", notes: "Fine" },
      }),
    },
    { method: "GET", path: "/api/v1/physio/analytics", allow: staff, patientData: true },
    {
      method: "GET",
      path: "/api/v1/patients/{id}/progress",
      allow: [...writers, "family"],
      patientData: true,
      build: (c) => ({ params: { id: c.patient.id } }),
    },
    {
      method: "GET",
      path: "/api/v1/patients/{id}/progress.svg",
      allow: [...writers, "family"],
      patientData: true,
      build: (c) => ({ params: { id: c.patient.id } }),
    },
    {
      method: "POST",
      path: "/api/v1/predict",
      allow: writers,
      patientData: true,
      build: async (c) => ({ body: { session_id: (await session(c)).id } }),
    },
    { method: "GET", path: "/api/v1/videos/{id}", allow: writers, patientData: true, build: byId },
    {
      method: "GET",
      path: "/api/v1/videos/patient/{patient_id}",
      allow: writers,
      deny: { family: 404 },
      patientData: true,
      build: (c) => ({ params: { patient_id: c.patient.id } }),
    },
    {
      method: "GET",
      path: "/api/v1/predict/exercise/{exercise_id}/videos",
      allow: writers,
      deny: { family: 404 },
      patientData: true,
      build: async (c) => ({
        params: {
          exercise_id: (
            await insertAssignment({
              workspaceId: c.workspaceId,
              patientId: c.patient.id,
              assignedBy: c.physio.id,
            })
          ).id,
        },
      }),
    },
    ...(["/api/v1/posture-analyses", "/api/v1/analysis"] as const).flatMap((base): RouteCase[] => {
      const alias = base === "/api/v1/analysis";
      const posture = async (c: Clinic) => ({
        params: { id: (await insertPosture(c.workspaceId, c.patient.id, c.physio.id)).id },
      });
      return [
        {
          method: "POST",
          path: alias ? `${base}/save` : base,
          allow: writers,
          patientData: true,
          build: (c) => ({ body: { patient_id: c.patient.id, landmarks: figure() } }),
        },
        {
          method: "GET",
          path: alias ? `${base}/list` : base,
          allow: ["admin", "physiotherapist", "doctor", "nurse", "patient"],
          patientData: true,
        },
        {
          method: "GET",
          path: `${base}/{id}`,
          allow: writers,
          deny: { family: 404 },
          patientData: true,
          build: posture,
        },
        {
          method: "DELETE",
          path: `${base}/{id}`,
          allow: writers,
          deny: { family: 404 },
          patientData: true,
          build: posture,
        },
      ];
    }),
  ],
  [
    "DELETE /api/v1/analysis/{id}",
    "DELETE /api/v1/posture-analyses/{id}",
    "DELETE /api/v1/sessions/{id}",
    "GET /api/v1/analysis/{id}",
    "GET /api/v1/patients/{id}/progress",
    "GET /api/v1/patients/{id}/progress.svg",
    "GET /api/v1/posture-analyses/{id}",
    "GET /api/v1/predict/exercise/{exercise_id}/videos",
    "GET /api/v1/sessions/{id}",
    "GET /api/v1/sessions/{id}/frames",
    "GET /api/v1/videos/patient/{patient_id}",
    "GET /api/v1/videos/{id}",
    "POST /api/v1/analysis/save",
    "POST /api/v1/physio/reviews",
    "POST /api/v1/posture-analyses",
    "POST /api/v1/predict",
    "POST /api/v1/sessions",
    "POST /api/v1/sessions/{id}/complete",
    "POST /api/v1/sessions/{id}/data",
    "PUT /api/v1/sessions/{id}",
  ],
);
