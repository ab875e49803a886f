/**
 * FHIR R4 export (read-only): `GET /api/v1/fhir/metadata`, `GET /api/v1/fhir/Patient/{id}` and
 * `GET /api/v1/fhir/Patient/{id}/$everything`. Bodies are `application/fhir+json`; every error of
 * these paths (401, 403, 404, 422…) is an OperationOutcome with the JSON API's status.
 */
import { createRouter, defineRoute, z } from "../../lib/openapi";
import { capabilityStatement } from "./fhir.capability";
import { fhirJson, operationOutcomes } from "./fhir.outcome";
import { exportPatientEverything, readFhirPatient } from "./fhir.service";

const BASE = "/api/v1/fhir";
const tags = ["fhir"];
const PatientId = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });

const fhirBody = (resourceType: string, description: string) => ({
  description,
  content: {
    "application/fhir+json": {
      schema: z
        .looseObject({ resourceType: z.literal(resourceType) })
        .openapi(`Fhir${resourceType}`),
    },
  },
});
const outcome = (description: string) => fhirBody("OperationOutcome", description);
const OUTCOMES = {
  401: outcome("Missing, invalid or expired credentials"),
  403: outcome("The caller's role may not read patient records (family members)"),
  404: outcome("No such patient, in another workspace, or outside the caller's relation"),
  422: outcome("Malformed id"),
};

const metadataRoute = defineRoute({
  method: "get",
  path: `${BASE}/metadata`,
  tags,
  summary: "FHIR CapabilityStatement: what this read-only export supports",
  auth: "public",
  responses: { 200: fhirBody("CapabilityStatement", "The CapabilityStatement") },
});

const patientRoute = defineRoute({
  method: "get",
  path: `${BASE}/Patient/{id}`,
  auth: "bearer",
  tags,
  summary: "A patient as a FHIR R4 Patient (identifier = MRN)",
  request: { params: PatientId },
  responses: { 200: fhirBody("Patient", "The Patient"), ...OUTCOMES },
});

const everythingRoute = defineRoute({
  method: "get",
  path: `${BASE}/Patient/{id}/$everything`,
  auth: "bearer",
  tags,
  summary: "Everything about a patient as a FHIR R4 collection Bundle (audited as one export)",
  request: { params: PatientId },
  responses: { 200: fhirBody("Bundle", "A collection Bundle"), ...OUTCOMES },
});

export const fhirRoutes = createRouter();
// Outcomes first (module middleware runs before a route's own), so they wrap the 401 of a
// bearer route and the 404 of unknown FHIR paths too.
fhirRoutes.use(`${BASE}/*`, operationOutcomes());

fhirRoutes.openapi(metadataRoute, () => fhirJson(capabilityStatement(), 200) as never);

fhirRoutes.openapi(
  patientRoute,
  async (c) => fhirJson(await readFhirPatient(c.var.ctx, c.req.valid("param").id), 200) as never,
);

fhirRoutes.openapi(everythingRoute, async (c) => {
  const fhirBase = `${new URL(c.req.url).origin}${BASE}`;
  const bundle = await exportPatientEverything(c.var.ctx, c.req.valid("param").id, fhirBase);
  return fhirJson(bundle, 200) as never;
});
