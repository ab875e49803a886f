/** The calendar reads stay on index ranges, whatever the table size (the benchmark seeds 10,000). */
import { env } from "cloudflare:test";
import { and, asc, gt, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { appointments } from "../../src/db/schema/scheduling";
import { appointmentVisibility } from "../../src/modules/appointments/appointments.access";
import { conflictQuery } from "../../src/modules/appointments/appointments.booking";

const db = drizzle(env.DB);

async function plan(query: { sql: string; params: unknown[] }) {
  const { results } = await env.DB.prepare(`explain query plan ${query.sql}`)
    .bind(...query.params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail).join(" | ");
}

describe("happy", () => {
  it("the conflict check searches an index range", async () => {
    const probe = {
      workspaceId: "w",
      start: "2031-01-01T10:00:00.000Z",
      end: "2031-01-01T11:00:00.000Z",
    };
    for (const who of [
      { clinicianId: "c" },
      { patientId: "p" },
      { clinicianId: "c", patientId: "p" },
    ]) {
      const detail = await plan(conflictQuery(db, { ...probe, ...who }).toSQL());
      expect(detail).toMatch(
        /SEARCH appointments USING INDEX appointments_\w+_start \(\w+=\? AND scheduled_start>\? AND scheduled_start<\?\)/,
      );
      expect(detail).not.toMatch(/SCAN appointments/);
    }
  });

  it("the week view searches (workspace_id, scheduled_start) for every role", async () => {
    for (const role of ["admin", "physiotherapist", "patient", "family"] as const) {
      const caller = { userId: "u", workspaceId: "w", role, sessionId: "s" };
      const where = and(
        appointmentVisibility(caller),
        lt(appointments.scheduledStart, "2031-01-08T00:00:00.000Z"),
        gt(appointments.scheduledEnd, "2031-01-01T00:00:00.000Z"),
        gt(appointments.scheduledStart, "2030-12-31T00:00:00.000Z"),
      );
      const page = db
        .select()
        .from(appointments)
        .where(where)
        .orderBy(asc(appointments.scheduledStart))
        .limit(20);
      const count = db
        .select({ n: sql`count(*)` })
        .from(appointments)
        .where(where);
      for (const q of [page, count]) {
        const detail = await plan(q.toSQL());
        expect(detail, role).toContain(
          "SEARCH appointments USING INDEX appointments_workspace_start",
        );
        expect(detail, role).not.toMatch(/SCAN appointments|TEMP B-TREE/);
      }
    }
  });
});
