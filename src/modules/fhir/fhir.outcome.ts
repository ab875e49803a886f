/**
 * Errors of the FHIR routes as `OperationOutcome` (application/fhir+json). The app's one
 * `onError` (and its notFound) still decide status and message; this middleware, mounted on the
 * FHIR paths only, reshapes their envelope after the fact, so statuses, headers and messages stay
 * exactly those of the JSON API (401/403/404/422 included) and no refusal tells more than there.
 */
import type { OperationOutcome, OperationOutcomeIssue } from "@medplum/fhirtypes";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../env";
import { ERROR_CODE_SYSTEM, FHIR_CONTENT_TYPE } from "./fhir.codes";

/** The API's error codes as FHIR issue types (http://hl7.org/fhir/issue-type). */
const ISSUE_TYPE: Record<string, OperationOutcomeIssue["code"]> = {
  VALIDATION_ERROR: "invalid",
  INVALID_REQUEST: "structure",
  UNAUTHORIZED: "login",
  FORBIDDEN: "forbidden",
  NOT_FOUND: "not-found",
  PAYLOAD_TOO_LARGE: "too-costly",
  RATE_LIMITED: "throttled",
};

type Envelope = {
  error?: { code?: string; message?: string; details?: unknown };
};

/** An OperationOutcome for an error envelope of the JSON API. */
export function outcomeOf(envelope: Envelope): OperationOutcome {
  const code = envelope.error?.code ?? "INTERNAL_SERVER_ERROR";
  const message = envelope.error?.message ?? "Internal server error";
  const base = {
    severity: "error" as const,
    code: ISSUE_TYPE[code] ?? "exception",
    details: { coding: [{ system: ERROR_CODE_SYSTEM, code }], text: message },
  };
  const fields = Array.isArray(envelope.error?.details)
    ? (envelope.error.details as { field?: unknown; message?: unknown }[]).filter(
        (d) => typeof d?.field === "string" && typeof d?.message === "string",
      )
    : [];
  const issue: OperationOutcomeIssue[] =
    fields.length > 0
      ? fields.map((d) => ({
          ...base,
          diagnostics: `${d.field as string}: ${d.message as string}`,
          expression: [d.field as string],
        }))
      : [{ ...base, diagnostics: message }];
  return { resourceType: "OperationOutcome", issue };
}

export const fhirJson = (body: unknown, status: number, headers?: Headers) => {
  const out = new Headers(headers);
  out.set("content-type", FHIR_CONTENT_TYPE);
  out.delete("content-length");
  return new Response(JSON.stringify(body), { status, headers: out });
};

/** Turns any error answer of the routes below it into an OperationOutcome with the same status. */
export const operationOutcomes = () =>
  createMiddleware<AppEnv>(async function operationOutcomes(c, next) {
    await next();
    const res = c.res;
    if (res.status < 400 || !res.headers.get("content-type")?.includes("application/json")) return;
    let envelope: Envelope = {};
    try {
      envelope = (await res.clone().json()) as Envelope;
    } catch {
      // Not the envelope: answer the generic outcome with the same status.
    }
    c.res = undefined;
    c.res = fhirJson(outcomeOf(envelope), res.status, res.headers);
  });
