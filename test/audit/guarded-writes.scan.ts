/**
 * A scan of service source for guarded writes that audit unconditionally (used by
 * guarded-writes.test.ts). Pure string work, so it runs on any source text.
 *
 * A batch (`.write([ … ])` or `.batch([ … ])`) is flagged when it holds
 * - an UPDATE or DELETE whose WHERE tests a state that a concurrent request can change (a
 *   status, `updated_at`, a version, a nullable stamp, a range, an `exists`), and
 * - an audit entry inserted as is: `auditEntry(…)` inline, or `x.query` of a
 *   `const x = await auditEntry(…)` of the same file.
 * Such an entry says "success" even when the guard matched nothing. The fix is `guardedWrite`
 * (src/lib/guarded-write.ts), whose entry is `insert … select … where changes() > 0`.
 */

/** A state test inside a WHERE: these conditions can stop holding between read and write. */
const GUARD =
  /\b(?:isNull|isNotNull|inArray|notInArray|exists|notExists|lt|lte|gt|gte|ne|or)\(|\beq\([^,()]*\.(?:status|updatedAt|version|isAccepted|usedAt|removedAt|deletedAt)\b/;

/** The text between the bracket at `open` and its match (strings and comments not parsed). */
function bracketed(source: string, open: number): string {
  const pairs: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
  const stack: string[] = [];
  for (let i = open; i < source.length; i++) {
    const ch = source[i]!;
    if (pairs[ch]) stack.push(pairs[ch]!);
    else if (ch === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return source.slice(open, i + 1);
    }
  }
  return source.slice(open);
}

/** Each `.where(…)` of an `.update(`/`.delete(` chain inside `batch`. */
function guardedStatements(batch: string): string[] {
  const found: string[] = [];
  const starts = /\.(?:update|delete)\(/g;
  for (let m = starts.exec(batch); m; m = starts.exec(batch)) {
    const rest = batch.slice(m.index);
    const where = rest.search(/\.where\(/);
    // The WHERE of this statement: before the next statement starts.
    const next = rest.slice(1).search(/\.(?:update|delete|insert|select)\(/);
    if (where < 0 || (next >= 0 && where > next + 1)) continue;
    const clause = bracketed(rest, where + ".where".length);
    if (GUARD.test(clause)) found.push(clause);
  }
  return found;
}

export type Finding = { file: string; line: number; batch: string };

/** The batches of `source` that hold a guarded write and an unconditional audit entry. */
export function unconditionalAudits(file: string, source: string): Finding[] {
  const auditVars = [...source.matchAll(/const (\w+) = await auditEntry\(/g)].map((m) => m[1]!);
  const auditRef = new RegExp(
    `auditEntry\\(|\\b(?:${auditVars.length ? auditVars.join("|") : "$^"})\\.query\\b`,
  );
  const findings: Finding[] = [];
  const calls = /\.(?:write|batch)\(\s*\[/g;
  for (let m = calls.exec(source); m; m = calls.exec(source)) {
    const open = source.indexOf("[", m.index);
    const batch = bracketed(source, open);
    if (guardedStatements(batch).length > 0 && auditRef.test(batch)) {
      findings.push({ file, line: source.slice(0, m.index).split("\n").length, batch });
    }
  }
  return findings;
}
