/// <reference types="vite/client" />
/**
 * Rules of docs/CONVENTIONS.md that hold themselves, by source scan (vite bundles the sources
 * raw; workerd has no file system):
 * - every `defineRoute({…})` says `auth:` (the type requires it too; the scan also catches a
 *   definition cast past the type);
 * - auth is attached only by the route definition: no `.use(…, requireAuth())` by path;
 * - `src/lib` imports no module (`src/modules`) and no room (`party/`);
 * - nothing registers itself on import (no `registerMediaOwner`/side-effect imports in modules).
 * Each rule is run on a known-bad snippet first, so the scan is seen to catch what it looks for.
 */
import { describe, expect, it } from "vitest";
import { MEDIA_OWNERS } from "../../src/modules/media/media.owners";
import { MEDIA_PURPOSES } from "../../src/modules/media/media.purposes";

const modules = import.meta.glob("../../src/modules/**/*.ts", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;
const lib = import.meta.glob("../../src/lib/**/*.ts", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/** Each `defineRoute({ … })` argument, by bracket matching. */
function definitions(source: string): string[] {
  const found: string[] = [];
  for (
    let at = source.indexOf("defineRoute({");
    at >= 0;
    at = source.indexOf("defineRoute({", at + 1)
  ) {
    let depth = 0;
    const open = at + "defineRoute(".length;
    for (let i = open; i < source.length; i++) {
      if (source[i] === "{") depth++;
      else if (source[i] === "}" && --depth === 0) {
        found.push(source.slice(open, i + 1));
        break;
      }
    }
  }
  return found;
}
const withoutAuth = (source: string) =>
  definitions(source).filter((d) => !/\bauth:\s*"(bearer|public|socket)"|\.\.\.route\(/.test(d));
const pathAuth = (source: string) => /\.use\([^;]*requireAuth\(\)/.test(source);
const moduleImports = (source: string) =>
  [...source.matchAll(/from\s+"([^"]+)"|import\s+"([^"]+)"/g)]
    .map((m) => m[1] ?? m[2]!)
    .filter((spec) => /(^|\/)(modules|party)\//.test(spec));
const sideEffectImports = (source: string) => [...source.matchAll(/^import\s+"\.[^"]+";/gm)];

describe("route rules", () => {
  it("catches the known-bad shapes", () => {
    expect(withoutAuth(`defineRoute({ method: "get", path: "/x", responses: {} })`)).toHaveLength(
      1,
    );
    expect(withoutAuth(`defineRoute({ method: "get", auth: "public", responses: {} })`)).toEqual(
      [],
    );
    expect(pathAuth(`router.use("/api/v1/x/*", requireAuth());`)).toBe(true);
    expect(moduleImports(`import { x } from "../modules/services/services.catalog";`)).toHaveLength(
      1,
    );
    expect(moduleImports(`import { x } from "./errors";`)).toEqual([]);
    expect(sideEffectImports(`import "./chats.media";`)).toHaveLength(1);
  });

  it("every route definition declares auth, and none is attached by path", () => {
    const files = Object.entries(modules).concat(Object.entries(lib));
    expect(files.length).toBeGreaterThan(100);
    const total = files.reduce((n, [, s]) => n + definitions(s).length, 0);
    expect(total).toBeGreaterThan(100);
    expect(files.filter(([, s]) => withoutAuth(s).length > 0).map(([f]) => f)).toEqual([]);
    expect(files.filter(([, s]) => pathAuth(s)).map(([f]) => f)).toEqual([]);
  });

  it("src/lib imports no module and no room", () => {
    expect(Object.keys(lib).length).toBeGreaterThan(10);
    const offenders = Object.entries(lib).flatMap(([file, s]) =>
      moduleImports(s).map((spec) => `${file} -> ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it("modules wire explicitly: no side-effect imports, every media owner kind in one table", () => {
    const offenders = Object.entries(modules).filter(([, s]) => sideEffectImports(s).length > 0);
    expect(offenders.map(([f]) => f)).toEqual([]);
    const kinds = new Set(Object.values(MEDIA_PURPOSES).flatMap((p) => [...p.owners]));
    expect(Object.keys(MEDIA_OWNERS).sort()).toEqual([...kinds].sort());
  });
});
