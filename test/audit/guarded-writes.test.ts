/// <reference types="vite/client" />
/**
 * "An audit entry says what happened": a write guarded by a condition records its entry only if
 * the change happened, in the same batch. This test fails when a service batch holds a guarded
 * UPDATE/DELETE (a status, `updated_at`, version or stamp condition) next to an unconditional
 * audit insert (`auditEntry(…)` or `x.query` of one) — the shape that recorded `clinical_note.
 * signed` before learning that 0 rows changed. Such writes go through `guardedWrite` or
 * `auditIfChanged` (src/lib/guarded-write.ts). The scan reads every module and room source (vite
 * bundles them raw), and a known-bad snippet proves the scan still catches that shape; the
 * runtime half checks the helper itself: a guard that matched nothing leaves no entry.
 * Limits: a guard hidden behind a variable or helper (`and(mine, guard)`) is not seen; review
 * those by hand.
 */
import { env } from "cloudflare:test";
import { and, eq, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { clinicalNotes } from "../../src/db/schema/clinical-notes";
import { guardedWrite } from "../../src/lib/guarded-write";
import { uuidv7 } from "../../src/lib/ids";
import { createClinic } from "../helpers/fixtures";
import { testContext } from "../platform/context";
import { unconditionalAudits } from "./guarded-writes.scan";

const sources = import.meta.glob(["../../src/modules/**/*.ts", "../../party/**/*.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

describe("guarded writes", () => {
  it("no service batch audits a guarded write unconditionally", () => {
    const files = Object.keys(sources);
    expect(files.length).toBeGreaterThan(100);
    const findings = files.flatMap((file) => unconditionalAudits(file, sources[file]!));
    expect(findings.map((f) => `${f.file}:${f.line}`)).toEqual([]);
  });

  it("the scan catches the shape it forbids", () => {
    const bad = `
      const audit = await auditEntry(ctx, { action: "clinical_note.signed" });
      const [updated] = await ctx.db.write([
        ctx.db.orm.update(clinicalNotes).set({ signedAt: now })
          .where(and(eq(clinicalNotes.id, id), isNull(clinicalNotes.signedAt))),
        audit.query,
      ]);`;
    expect(unconditionalAudits("bad.ts", bad)).toHaveLength(1);
    const inline = `await ctx.db.write([
        ctx.db.orm.update(s).set(x).where(and(eq(s.id, id), eq(s.status, "pending"))),
        (await auditEntry(ctx, { action: "media.uploaded" })).query,
      ]);`;
    expect(unconditionalAudits("inline.ts", inline)).toHaveLength(1);
    const fine = `await ctx.db.write([
        ctx.db.orm.update(s).set(x).where(and(eq(s.id, id), eq(s.workspaceId, w))),
        (await auditEntry(ctx, { action: "user.updated" })).query,
      ]);`;
    expect(unconditionalAudits("fine.ts", fine)).toEqual([]);
  });

  it("guardedWrite writes the entry only when the guard held", async () => {
    const clinic = await createClinic();
    const ctx = testContext();
    ctx.caller = {
      userId: clinic.physio.id,
      workspaceId: clinic.workspaceId,
      role: "physiotherapist",
      sessionId: clinic.physio.sessionId,
    };
    const id = uuidv7();
    const write = () =>
      guardedWrite(ctx, {
        change: ctx.db.orm
          .update(clinicalNotes)
          .set({ signedAt: "2026-01-01T00:00:00.000Z" })
          .where(and(eq(clinicalNotes.id, id), isNull(clinicalNotes.signedAt))),
        audit: { action: "clinical_note.signed", resourceType: "clinical_note", resourceId: id },
      });
    expect((await write()).changed).toBe(false);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE resource_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });
});
