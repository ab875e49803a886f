/**
 * The import graph of the Worker's source, from file text alone (used by import-graph.test.ts):
 * which file imports which, resolved to repository paths (`src/…`, `party/…`). Pure string work,
 * so it runs in workerd on the sources vite bundles raw.
 *
 * Read: `import … from`, `export … from` (type-only ones too), side-effect `import "…"` and
 * `import("…")`, at the start of a line; relative specifiers only (packages are not ours).
 */

const STATIC =
  /^(?:import|export)\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\}|\w+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+\w+))?)\s+from\s+["']([^"']+)["']/gm;
const BARE = /^import\s+["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** `a/b/../c/./d` → `a/c/d`. */
function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") out.pop();
    else if (part !== "." && part !== "") out.push(part);
  }
  return out.join("/");
}

/** The repository paths `file` imports, among `known` (a specifier may omit `.ts` or `/index.ts`). */
export function importsOf(file: string, source: string, known: Set<string>): string[] {
  const dir = file.slice(0, file.lastIndexOf("/"));
  const found = new Set<string>();
  for (const pattern of [STATIC, BARE, DYNAMIC]) {
    for (const match of source.matchAll(pattern)) {
      const spec = match[1]!;
      if (!spec.startsWith(".")) continue;
      const base = normalize(`${dir}/${spec}`);
      const target = [base, `${base}.ts`, `${base}/index.ts`].find((p) => known.has(p));
      // An import of a file outside the scanned set still counts by its path (party/ is scanned).
      found.add(target ?? base);
    }
  }
  return [...found];
}

export type Graph = Map<string, string[]>;

/** The graph of `sources` (repository path → text). */
export function graphOf(sources: Record<string, string>): Graph {
  const known = new Set(Object.keys(sources));
  return new Map(
    Object.entries(sources).map(([file, text]) => [file, importsOf(file, text, known)]),
  );
}

/**
 * A path of imports from `start` to a file matching `target`, not passing through `barrier`
 * files (whose own imports are not followed); null when there is none.
 */
export function pathTo(
  graph: Graph,
  start: string,
  target: (file: string) => boolean,
  barrier: (file: string) => boolean,
): string[] | null {
  const seen = new Set([start]);
  const queue: string[][] = [[start]];
  while (queue.length) {
    const path = queue.shift()!;
    const file = path[path.length - 1]!;
    if (file !== start && barrier(file)) continue;
    for (const next of graph.get(file) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      if (target(next)) return [...path, next];
      queue.push([...path, next]);
    }
  }
  return null;
}
