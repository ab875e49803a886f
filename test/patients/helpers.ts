/** Shared helpers of the patient tests: request bodies, audit rows by request, raw table dumps. */
import { env } from "cloudflare:test";
import { waitForAuditRows } from "../helpers/queued-audit";
import { expect } from "vitest";
import type { ApiResponse } from "../helpers/http";

let n = 0;

export const uniqueMrn = () => `MRN-${Date.now().toString(36)}-${++n}`.toUpperCase();

export const patientBody = (overrides: Record<string, unknown> = {}) => ({
  mrn: uniqueMrn(),
  first_name: "Amelia",
  last_name: "Stonebridge",
  date_of_birth: "1985-03-15",
  email: "amelia.stonebridge@example.com",
  phone_number: "+15557654321",
  address: "742 Evergreen Terrace, Springfield",
  emergency_contact: { name: "Hugo Stonebridge", phone: "+15550009999", relationship: "brother" },
  blood_type: "O+",
  consent_given: true,
  notes: "Prefers morning appointments",
  tags: ["knee", "post-op"],
  ...overrides,
});

export const vitalsBody = (overrides: Record<string, unknown> = {}) => ({
  systolic_bp: 122,
  diastolic_bp: 78,
  heart_rate: 71,
  temperature: 36.8,
  respiration_rate: 15,
  oxygen_saturation: 98.5,
  weight: 75.5,
  height: 180,
  notes: "Resting, seated after the walk test",
  ...overrides,
});

export type AuditRow = {
  action: string;
  outcome: string;
  resource_id: string | null;
  actor_id: string | null;
  metadata: string | null;
};

/**
 * The audit rows a response's request left (by its X-Request-Id). `queued`: that many of them go
 * through the queue (lists), so wait until they are stored.
 */
export async function auditOf(res: ApiResponse, queued = 0): Promise<AuditRow[]> {
  const requestId = res.headers.get("x-request-id");
  expect(requestId, "response has an X-Request-Id").toBeTruthy();
  if (queued > 0) await waitForAuditRows(requestId, queued);
  const rows = await env.DB.prepare(
    "SELECT action, outcome, resource_id, actor_id, metadata FROM audit_log WHERE request_id = ? ORDER BY seq",
  )
    .bind(requestId)
    .all<AuditRow>();
  return rows.results;
}

/** Exactly one audit row for the request, with this action and outcome (`queued`: via the queue). */
export async function expectOneAudit(
  res: ApiResponse,
  action: string,
  outcome = "success",
  { queued = false } = {},
) {
  const rows = await auditOf(res, queued ? 1 : 0);
  expect(rows, `audit rows of ${action}: ${JSON.stringify(rows)}`).toHaveLength(1);
  expect(rows[0]).toMatchObject({ action, outcome });
  return rows[0]!;
}

/** Every raw row of `table` for the patient, serialised, for plaintext checks. */
export async function rawRows(table: string, column: string, id: string) {
  const rows = await env.DB.prepare(`SELECT * FROM ${table} WHERE ${column} = ?`).bind(id).all();
  expect(rows.results.length, `${table} has rows`).toBeGreaterThan(0);
  return JSON.stringify(rows.results);
}

export function expectNoPlaintext(raw: string, values: string[]) {
  for (const value of values) {
    expect(raw.toLowerCase(), `raw rows contain "${value}"`).not.toContain(value.toLowerCase());
  }
}

/** The field names of a 422's details. */
export const fieldsOf = (res: ApiResponse): string[] =>
  (res.body?.error?.details ?? []).map((d: { field: string }) => d.field);
