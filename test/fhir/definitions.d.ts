/** The official FHIR R4 definitions the tests validate against (see vitest.fhir-definitions.ts). */
declare module "virtual:fhir-r4-definitions" {
  const definitions: { types: unknown; resources: unknown; searchParameters: unknown };
  export default definitions;
}
