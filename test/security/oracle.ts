/**
 * No existence oracle: for every route of the shared case registry with a path id, every role that
 * the case refuses (in clinic A, and each allowed role of clinic B) must get the same answer for the real
 * object as for an id that exists nowhere. Otherwise the refusal tells which ids are real (e.g. a
 * clinician's id vs a random one). Routes added later are covered through their case file.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ROLES, type Role } from "../../src/db/schema/users";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, type ApiResponse } from "../helpers/http";
import { ALL_CASES } from "./cases";
import { errorOf, type Built, type RouteCase } from "./suite";

const PARAM = /\{(\w+)\}/g;

function fill(template: string, params: Record<string, string>, query?: string) {
  const path = template.replace(PARAM, (_, name: string) => encodeURIComponent(params[name]!));
  return query ? `${path}?${query}` : path;
}

/** What a caller can observe of a refusal: status, error code and message. */
const answer = (res: ApiResponse) => ({ status: res.status, ...errorOf(res.body) });

const withIds = (c: RouteCase) =>
  !c.skip && !c.public && !!c.build && [...c.path.matchAll(PARAM)].length > 0;

/** The registry's modules split into `of` shards, so no test file sends too many requests. */
const shardOf = (k: number, of: number) =>
  Object.values(ALL_CASES)
    .filter((_, i) => i % of === k)
    .flat()
    .filter(withIds);

/** Registers the oracle checks for shard `k` of `of` (see the oracle-*.test.ts files). */
export function oracleSuite(k: number, of: number) {
  const cases = shardOf(k, of);
  describe(`security: no existence oracle on path ids (shard ${k + 1} of ${of})`, () => {
    let clinic: Clinic;
    let otherClinic: Clinic;
    beforeAll(async () => {
      [clinic, otherClinic] = await Promise.all([
        createClinic("Oracle A"),
        createClinic("Oracle B"),
      ]);
    });

    it("covers the routes with path ids", () => {
      const all = Array.from({ length: of }, (_, i) => shardOf(i, of).length);
      expect(all.reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
    });

    for (const c of cases) {
      const label = `${c.method} ${c.path}`;
      const names = [...c.path.matchAll(PARAM)].map((m) => m[1]!);
      const refused = ROLES.filter((role) => !(c.allow ?? []).includes(role));
      const callers: [string, (clinic: Clinic, other: Clinic) => string][] = [
        ...refused.map((role): [string, (a: Clinic) => string] => [
          `role ${role}`,
          (a) => a.users[role].token,
        ]),
        // Another workspace: the roles that would be let through at home (others fail on the role).
        ...(c.allow ?? []).map((role: Role): [string, (a: Clinic, b: Clinic) => string] => [
          `role ${role} of another workspace`,
          (_, b) => b.users[role].token,
        ]),
      ];
      for (const [who, tokenOf] of callers) {
        it(`${label} as ${who}: a real id answers like a random one`, async () => {
          const built: Built = await c.build!(clinic);
          const token = tokenOf(clinic, otherClinic);
          const real = await api(c.method, fill(c.path, built.params!, built.query), {
            token,
            body: built.body,
          });
          expect(real.status, `${label} as ${who} was let through: ${real.text}`).toBeGreaterThan(
            399,
          );
          // Each path id in turn replaced by one that exists nowhere.
          for (const name of names) {
            const params = { ...built.params!, [name]: crypto.randomUUID() };
            const random = await api(c.method, fill(c.path, params, built.query), {
              token,
              body: built.body,
            });
            expect(
              answer(random),
              `${label} as ${who}: real vs random {${name}} differ (${real.text} / ${random.text})`,
            ).toEqual(answer(real));
          }
        });
      }
    }
  });
}
