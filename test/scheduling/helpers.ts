/** Scheduling test data, created through the API as the clinic's admin. */
import { env } from "cloudflare:test";
import { waitForAuditRows } from "../helpers/queued-audit";
import { uuidv7 } from "../../src/lib/ids";
import type { Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

let slot = 0;

/** A fresh interval far in the future, distinct on every call in this test file. */
export function nextSlot(minutes = 60) {
  const start = Date.UTC(2031, 0, 6, 0, 0) + ++slot * 3 * 3600_000;
  return {
    scheduled_start: new Date(start).toISOString(),
    scheduled_end: new Date(start + minutes * 60_000).toISOString(),
  };
}

export const unique = (prefix: string) => `${prefix} ${uuidv7().slice(-12)}`;

export async function createService(clinic: Clinic, body: Record<string, unknown> = {}) {
  const res = await api("POST", "/api/v1/services", {
    token: clinic.admin.token,
    body: { name: unique("Service"), default_duration_minutes: 45, ...body },
  });
  return expectStatus(res, 201).body.data;
}

export async function createLocation(clinic: Clinic, body: Record<string, unknown> = {}) {
  const res = await api("POST", "/api/v1/locations", {
    token: clinic.admin.token,
    body: { name: unique("Room"), location_type: "online", ...body },
  });
  return expectStatus(res, 201).body.data;
}

/** Books for `clinic.patient` with the physiotherapist unless told otherwise. */
export async function book(clinic: Clinic, body: Record<string, unknown> = {}) {
  const res = await api("POST", "/api/v1/appointments", {
    token: clinic.admin.token,
    body: { patient_id: clinic.patient.id, clinician_id: clinic.physio.id, ...nextSlot(), ...body },
  });
  return expectStatus(res, 201).body.data;
}

export async function createTimeOff(clinic: Clinic, clinicianId: string, body = {}) {
  const res = await api("POST", `/api/v1/clinicians/${clinicianId}/time-off`, {
    token: clinic.admin.token,
    body: { starts_at: "2031-02-03T12:00:00Z", ends_at: "2031-02-03T13:00:00Z", ...body },
  });
  return expectStatus(res, 201).body.data;
}

/**
 * Audit rows of a request, or of a resource, straight from D1. `queued`: the request's entries go
 * through the queue (lists, conflict checks), so wait until that many are stored.
 */
export async function auditRows(where: {
  requestId?: string | null;
  resourceId?: string;
  queued?: number;
}) {
  if (where.queued) await waitForAuditRows(where.requestId ?? null, where.queued);
  const column = where.requestId ? "request_id" : "resource_id";
  const value = where.requestId ?? where.resourceId;
  const { results } = await env.DB.prepare(
    `select action, outcome, actor_id, resource_id, metadata from audit_log where ${column} = ? order by seq`,
  )
    .bind(value)
    .all<{
      action: string;
      outcome: string;
      actor_id: string;
      resource_id: string;
      metadata: string;
    }>();
  return results;
}

export async function appointmentRows(clinic: Clinic) {
  const { results } = await env.DB.prepare("select * from appointments where workspace_id = ?")
    .bind(clinic.workspaceId)
    .all<Record<string, unknown>>();
  return results;
}
