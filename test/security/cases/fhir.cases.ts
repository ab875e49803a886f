import type { Clinic } from "../../helpers/fixtures";
import type { RouteCase } from "../suite";

/**
 * Cases for the FHIR export, the same rules as GET /patients/{id}: reads target `otherPatient`
 * (doctor's care team; admin sees the workspace); physio, nurse and the patient user are outside
 * it (404), family never reads the chart (403). Errors are OperationOutcomes (suite.errorOf).
 */
const outside = { physiotherapist: 404, nurse: 404, patient: 404, family: 403 } as const;
const other = (clinic: Clinic) => ({ params: { id: clinic.otherPatient.id } });

export const fhirCases: RouteCase[] = [
  { method: "GET", path: "/api/v1/fhir/metadata", public: true },
  {
    method: "GET",
    path: "/api/v1/fhir/Patient/{id}",
    allow: ["admin", "doctor"],
    deny: outside,
    patientData: true,
    build: other,
  },
  {
    method: "GET",
    path: "/api/v1/fhir/Patient/{id}/$everything",
    allow: ["admin", "doctor"],
    deny: outside,
    patientData: true,
    build: other,
  },
];
