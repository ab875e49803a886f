/// <reference types="vite/client" />
/**
 * "A service writing data audits in the same batch" (docs/CONVENTIONS.md), held by a scan: every
 * literal D1 write batch (`db.write([...])`) in the modules, the rooms and src/lib that inserts,
 * updates or deletes rows must carry an audit entry in the same array (`auditEntry`,
 * `auditIfChanged`, a `guardedWrite`, or the `.query` of a variable made by one of them). The few
 * batches that change no one's data (upload bookkeeping, a user's own read marks, a follow-up
 * column of a row whose creation was audited a line before) are listed below with the reason, so
 * a new unaudited batch fails until someone audits it or argues for it here. A known-bad snippet
 * proves the scan still catches one. Limits: batches built in a variable (`write(batch)`) are not
 * read; `guardedWrite` covers those by construction.
 */
import { describe, expect, it } from "vitest";

const sources = import.meta.glob(
  ["../../src/modules/**/*.ts", "../../party/**/*.ts", "../../src/lib/**/*.ts"],
  { query: "?raw", import: "default", eager: true },
) as Record<string, string>;

/** `file:table` → why that batch needs no audit entry of its own. */
const EXEMPT: Record<string, string> = {
  "src/modules/media/media.multipart.ts:mediaObjects":
    "aborting a multipart upload whose bytes failed their digest: nothing stored, nothing read",
  "src/modules/media/media.upload.ts:mediaUploadParts":
    "upload part bookkeeping; the upload is audited when it is confirmed",
  "src/modules/notifications/notifications.service.ts:notifications":
    "the caller's own read marks on their own inbox; no patient data changes",
  "src/modules/sessions/sessions.service.ts:exerciseSessions":
    "the new session's video media id, right after its audited creation",
};

type Finding = { file: string; line: number; tables: string[] };

/** Literal write batches that change rows and carry no audit entry. */
function unauditedBatches(file: string, source: string): Finding[] {
  const auditVars = [
    ...source.matchAll(/const (\w+) = await (?:auditEntry|auditIfChanged)\(/g),
  ].map((m) => m[1]!);
  const found: Finding[] = [];
  for (const match of source.matchAll(/\.write\(\[/g)) {
    let depth = 1;
    let i = match.index + match[0].length;
    for (; i < source.length && depth > 0; i++) {
      if (source[i] === "[") depth++;
      else if (source[i] === "]") depth--;
    }
    const batch = source.slice(match.index, i);
    const tables = [
      ...new Set([...batch.matchAll(/\.(?:insert|update|delete)\((\w+)\)/g)].map((m) => m[1]!)),
    ];
    if (tables.length === 0) continue;
    const audited = /audit/i.test(batch) || auditVars.some((v) => batch.includes(`${v}.query`));
    if (!audited) {
      found.push({ file, line: source.slice(0, match.index).split("\n").length, tables });
    }
  }
  return found;
}

describe("audited writes", () => {
  it("every literal write batch that changes rows carries its audit entry (or a stated exemption)", () => {
    const files = Object.entries(sources).map(([path, source]) => ({
      file: path.replace(/^(\.\.\/)+/, ""),
      source,
    }));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files
      .flatMap(({ file, source }) => unauditedBatches(file, source))
      .flatMap((f) => f.tables.map((t) => ({ key: `${f.file}:${t}`, at: `${f.file}:${f.line}` })))
      .filter(({ key }) => !(key in EXEMPT))
      .map(({ key, at }) => `${at} (${key.split(":")[1]})`);
    expect(offenders).toEqual([]);
  });

  it("every exemption still names a batch that exists (no stale excuses)", () => {
    const seen = new Set(
      Object.entries(sources).flatMap(([path, source]) => {
        const file = path.replace(/^(\.\.\/)+/, "");
        return unauditedBatches(file, source).flatMap((f) => f.tables.map((t) => `${file}:${t}`));
      }),
    );
    for (const key of Object.keys(EXEMPT)) expect(seen.has(key), key).toBe(true);
  });

  it("catches a batch that writes patient data without an audit entry", () => {
    const bad = `
      const entry = await auditEntry(ctx, { action: "patient.updated" });
      await ctx.db.write([ctx.db.orm.update(patients).set(patch).where(mine)]);
      await ctx.db.write([ctx.db.orm.insert(vitals).values(row), entry.query]);
      await ctx.db.write([ctx.db.orm.delete(allergies).where(mine), (await auditEntry(ctx, a)).query]);
    `;
    expect(unauditedBatches("bad.ts", bad)).toEqual([
      { file: "bad.ts", line: 3, tables: ["patients"] },
    ]);
  });
});
