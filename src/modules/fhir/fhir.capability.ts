/**
 * The CapabilityStatement of `GET /fhir/metadata`: exactly what this server does. Patient `read`
 * and the `$everything` operation; the other resource types exist only inside that Bundle (no
 * interaction of their own). Built once per isolate: it depends on constants only.
 */
import type { CapabilityStatement, CapabilityStatementRestResource } from "@medplum/fhirtypes";
import { FHIR_VERSION } from "./fhir.codes";

const EXPORTED_ONLY = [
  "Condition",
  "MedicationStatement",
  "AllergyIntolerance",
  "Observation",
  "Appointment",
  "ServiceRequest",
  "DocumentReference",
] as const;

/** When these capabilities were last changed (the statement's `date`). */
const REVISED = "2026-12-07";

let statement: CapabilityStatement | null = null;

export function capabilityStatement(): CapabilityStatement {
  statement ??= {
    resourceType: "CapabilityStatement",
    status: "active",
    date: REVISED,
    publisher: "rehab-edge",
    kind: "instance",
    software: { name: "rehab-edge" },
    implementation: {
      description:
        "rehab-edge FHIR R4 export: read-only; Patient read and Patient/$everything, JSON only",
    },
    fhirVersion: FHIR_VERSION,
    format: ["application/fhir+json"],
    rest: [
      {
        mode: "server",
        documentation:
          "Read-only export under /api/v1/fhir. Same access rules and audit as the JSON API.",
        security: {
          cors: true,
          description:
            "Bearer access token of the JSON API (POST /api/v1/auth/login); family members are refused",
        },
        resource: [
          {
            type: "Patient",
            interaction: [{ code: "read" }],
            operation: [
              {
                name: "everything",
                definition: "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                documentation:
                  "A collection Bundle of the patient and all exported records; no parameters",
              },
            ],
          },
          ...EXPORTED_ONLY.map((type): CapabilityStatementRestResource => ({
            type,
            documentation: "Exported only inside Patient/$everything",
          })),
        ],
      },
    ],
  };
  return statement;
}
