import type { Clinic } from "../../helpers/fixtures";
import type { RouteCase } from "../suite";
import { STAFF } from "../suite";
import { ALL_ROLES } from "../../../src/policy/policy";

/**
 * Cases for /patients. Fixtures: physio is on `patient`'s care team, doctor on `otherPatient`'s,
 * nurse on none; family has access to `patient` (the record of the patient user).
 * A role that may never do something gets 403 (checked before any lookup); a role that may, but
 * is outside the record's relation, gets 404 like an unknown id (test/security/oracle.ts).
 * Reads target `otherPatient` (physio, nurse, the patient user and family are outside it);
 * family never reads clinical parts (403). Writes target `patient`: its own patient and family
 * get 403 (their role may not write), doctor and nurse 404 (not on its care team).
 */
const strangers = { physiotherapist: 404, nurse: 404, patient: 404, family: 404 } as const;
const clinicalRead = { ...strangers, family: 403 } as const;
const notOnTeam = { doctor: 404, nurse: 404 } as const;
const other = (clinic: Clinic) => ({ id: clinic.otherPatient.id });
const own = (clinic: Clinic) => ({ id: clinic.patient.id });
const unique = () => crypto.randomUUID().slice(0, 8);

const subRecords: [string, Record<string, unknown>][] = [
  ["diagnoses", { diagnosis: "Lumbar strain", diagnosed_date: "2024-02-01" }],
  ["medications", { name: "Ibuprofen", dosage: "400mg", frequency: "TID" }],
  ["allergies", { allergy: "Latex", severity: "moderate" }],
  ["vitals", { systolic_bp: 120, diastolic_bp: 80, heart_rate: 70 }],
];

export const patientsCases: RouteCase[] = [
  {
    method: "POST",
    path: "/api/v1/patients",
    allow: STAFF,
    patientData: true,
    build: () => ({
      body: {
        mrn: `MRN-S${unique()}`,
        first_name: "Suite",
        last_name: "Case",
        date_of_birth: "1970-01-01",
      },
    }),
  },
  {
    method: "GET",
    path: "/api/v1/patients",
    allow: [...ALL_ROLES],
    patientData: true,
    build: () => ({ query: "page=1&page_size=5" }),
  },
  { method: "GET", path: "/api/v1/patients/profile", allow: ["patient"], patientData: true },
  {
    method: "PUT",
    path: "/api/v1/patients/profile",
    allow: ["patient"],
    patientData: true,
    build: () => ({ body: { phone_number: "+15550002222" } }),
  },
  {
    method: "GET",
    path: "/api/v1/patients/{id}",
    allow: ["admin", "doctor"],
    deny: strangers,
    patientData: true,
    build: (clinic) => ({ params: other(clinic) }),
  },
  {
    method: "PUT",
    path: "/api/v1/patients/{id}",
    allow: ["admin", "physiotherapist"],
    deny: notOnTeam,
    patientData: true,
    build: (clinic) => ({ params: own(clinic), body: { tags: ["suite"] } }),
  },
  {
    method: "DELETE",
    path: "/api/v1/patients/{id}",
    allow: ["admin"],
    patientData: true,
    build: (clinic) => ({ params: own(clinic) }),
  },
  ...subRecords.flatMap(([name, body]): RouteCase[] => [
    {
      method: "POST",
      path: `/api/v1/patients/{id}/${name}`,
      allow: ["admin", "physiotherapist"],
      deny: notOnTeam,
      patientData: true,
      build: (clinic) => ({ params: own(clinic), body }),
    },
    {
      method: "GET",
      path: `/api/v1/patients/{id}/${name}`,
      allow: ["admin", "doctor"],
      deny: clinicalRead,
      patientData: true,
      build: (clinic) => ({ params: other(clinic) }),
    },
  ]),
  {
    method: "GET",
    path: "/api/v1/patients/{id}/care-team",
    allow: ["admin", "doctor"],
    deny: clinicalRead,
    patientData: true,
    build: (clinic) => ({ params: other(clinic) }),
  },
  {
    method: "POST",
    path: "/api/v1/patients/{id}/care-team",
    allow: ["admin", "physiotherapist"],
    deny: notOnTeam,
    patientData: true,
    build: (clinic) => ({ params: own(clinic), body: { user_id: clinic.nurse.id } }),
  },
  {
    method: "DELETE",
    path: "/api/v1/patients/{id}/care-team/{user_id}",
    allow: ["admin", "physiotherapist"],
    deny: notOnTeam,
    patientData: true,
    build: (clinic) => ({ params: { ...own(clinic), user_id: clinic.physio.id } }),
  },
  {
    method: "GET",
    path: "/api/v1/patients/{id}/family-access",
    allow: ["admin", "patient"],
    patientData: true,
    build: (clinic) => ({ params: own(clinic) }),
  },
  {
    method: "POST",
    path: "/api/v1/patients/{id}/family-access",
    allow: ["admin", "patient"],
    patientData: true,
    build: (clinic) => ({
      params: own(clinic),
      body: { family_user_id: clinic.family.id, scopes: ["chat"], relationship: "sibling" },
    }),
  },
  {
    method: "DELETE",
    path: "/api/v1/patients/{id}/family-access/{family_user_id}",
    allow: ["admin", "patient"],
    patientData: true,
    build: (clinic) => ({ params: { ...own(clinic), family_user_id: clinic.family.id } }),
  },
];
