/**
 * The shared security suite. Every route in /openapi.json has a case (coverage.test.ts checks it);
 * for each case this asserts:
 * - no token, a malformed token and a token of another kind answer 401 (unless public);
 * - each role outside `allow` is refused (403, or the case's `deny` status: 404 for a caller whose
 *   role may do it but who is outside the object's relation), and, for patient data, the refusal
 *   is audited;
 * - a caller of another workspace (in the first allowed role) reaching a resource by id answers 404.
 * oracle.ts adds: a refusal is the same for a real object and for an id that exists nowhere.
 * Requests carry valid bodies, so a refusal cannot be a validation error in disguise.
 */
import { env } from "cloudflare:test";
import { and, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../src/db/schema/audit";
import { ROLES, type Role } from "../../src/db/schema/users";
import { api } from "../helpers/http";
import { createClinic, type Clinic } from "../helpers/fixtures";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export type Built = { params?: Record<string, string>; query?: string; body?: unknown };

export type RouteCase = {
  method: Method;
  /** The OpenAPI path template, e.g. `/api/v1/patients/{id}`. */
  path: string;
  public?: boolean;
  /** Roles allowed to call the route (in the relation `build` sets up). Ignored when public. */
  allow?: readonly Role[];
  /** Status for a refused role when it is not 403. */
  deny?: Partial<Record<Role, number>>;
  /** Whether refusals must leave an audit row (routes over patient data). */
  patientData?: boolean;
  /** Concrete params, query and a valid body, against clinic A's fixtures. */
  build?: (clinic: Clinic) => Built | Promise<Built>;
  /** Defaults to true when the path has a parameter. */
  crossWorkspace?: boolean;
  /** Sockets and other routes the HTTP suite cannot drive; tested elsewhere (say where). */
  skip?: string;
};

export const STAFF: Role[] = ["admin", "physiotherapist", "doctor", "nurse"];

/**
 * The error code and message of a refusal: the JSON envelope's, or those an OperationOutcome
 * carries (the FHIR routes, src/modules/fhir/fhir.outcome.ts).
 */
export function errorOf(body: any): { code: string | null; message: string | null } {
  if (body?.resourceType === "OperationOutcome") {
    const issue = body.issue?.[0];
    return { code: issue?.details?.coding?.[0]?.code ?? null, message: issue?.diagnostics ?? null };
  }
  return { code: body?.error?.code ?? null, message: body?.error?.message ?? null };
}

function fill(template: string, built: Built) {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = built.params?.[name];
    if (!value) throw new Error(`case for ${template} gives no value for {${name}}`);
    return encodeURIComponent(value);
  });
  return built.query ? `${path}?${built.query}` : path;
}

async function deniedAuditRows(requestId: string | null) {
  if (!requestId) return 0;
  const rows = await drizzle(env.DB)
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(
      and(eq(auditLog.requestId, requestId), inArray(auditLog.outcome, ["denied", "not_found"])),
    );
  return rows.length;
}

export function runSecuritySuite(name: string, cases: RouteCase[]) {
  describe(`security: ${name}`, () => {
    let clinic: Clinic;
    let otherClinic: Clinic;
    beforeAll(async () => {
      [clinic, otherClinic] = await Promise.all([
        createClinic("Clinic A"),
        createClinic("Clinic B"),
      ]);
    });

    for (const c of cases) {
      const label = `${c.method} ${c.path}`;
      if (c.skip) {
        it.skip(`${label}: ${c.skip}`, () => undefined);
        continue;
      }
      if (c.public) {
        it(`${label} answers without a token`, async () => {
          const built = await (c.build?.(clinic) ?? {});
          const res = await api(c.method, fill(c.path, built), { body: built.body });
          // Public: never turned away for want of a token (a 401 about bad credentials is fine).
          expect(errorOf(res.body).message, `${label}: ${res.text.slice(0, 300)}`).not.toBe(
            "Authentication required",
          );
          expect(res.status).toBeLessThan(500);
        });
        continue;
      }

      it(`${label} refuses missing, malformed and wrong-kind tokens`, async () => {
        const built = await (c.build?.(clinic) ?? {});
        const path = fill(c.path, built);
        const attempts: (string | undefined)[] = [
          undefined,
          "not-a-jwt",
          clinic.admin.refreshToken,
        ];
        for (const token of attempts) {
          const res = await api(c.method, path, { token, body: built.body });
          expect(res.status, `${label} with token ${token?.slice(0, 12)}: ${res.text}`).toBe(401);
          expect(errorOf(res.body).code).toBe("UNAUTHORIZED");
        }
      });

      const refused = ROLES.filter((role) => !(c.allow ?? []).includes(role));
      for (const role of refused) {
        it(`${label} refuses role ${role}`, async () => {
          const built = await (c.build?.(clinic) ?? {});
          const res = await api(c.method, fill(c.path, built), {
            token: clinic.users[role].token,
            body: built.body,
          });
          const expected = c.deny?.[role] ?? 403;
          expect(res.status, `${label} as ${role}: ${res.text}`).toBe(expected);
          if (c.patientData) {
            expect(
              await deniedAuditRows(res.headers.get("x-request-id")),
              `${label} as ${role}: denial not audited`,
            ).toBe(1);
          }
        });
      }

      if (c.crossWorkspace ?? /\{\w+\}/.test(c.path)) {
        it(`${label} answers 404 to another workspace`, async () => {
          const built = await (c.build?.(clinic) ?? {});
          const role = c.allow?.[0] ?? "admin";
          const res = await api(c.method, fill(c.path, built), {
            token: otherClinic.users[role].token,
            body: built.body,
          });
          expect(res.status, `${label} from another workspace: ${res.text}`).toBe(404);
        });
      }
    }
  });
}

/**
 * For routes reached through a patient's care team: staff off that team (doctor and nurse in the
 * fixture clinic) get the 404 of an unknown id, never a 403 (no existence oracle, issue 12).
 */
export function offTeamNotFound(cases: RouteCase[], routes: readonly string[]): RouteCase[] {
  const keys = new Set(routes);
  return cases.map((c) =>
    keys.has(`${c.method} ${c.path}`) ? { ...c, deny: { ...c.deny, doctor: 404, nurse: 404 } } : c,
  );
}
