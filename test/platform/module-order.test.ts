/**
 * Mount order does not matter: path ids route UUIDs only, so `/patients/{id}` never captures
 * `/patients/appointments`, `/patients/sessions` or `/patients/profile`, whichever module is
 * mounted first. The app is built with the modules reversed and shuffled, and the paths that
 * once depended on order answer as in the real app.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { MODULES } from "../../src/modules";
import { createClinic } from "../helpers/fixtures";
import { api } from "../helpers/http";

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("module order", () => {
  it("resolves the sibling static and id paths the same in any mount order", async () => {
    const clinic = await createClinic();
    const patient = clinic.patientUser.token;
    const admin = clinic.admin.token;
    const probes: [string, string][] = [
      [patient, "/api/v1/patients/appointments"],
      [patient, "/api/v1/patients/sessions"],
      [patient, "/api/v1/patients/profile"],
      [admin, `/api/v1/patients/${clinic.patient.id}`],
      [admin, "/api/v1/patients/not-a-uuid"],
      [admin, "/api/v1/users/me"],
      [admin, `/api/v1/users/${clinic.admin.id}`],
    ];
    const expected = [];
    for (const [token, path] of probes) {
      const res = await api("GET", path, { token });
      expected.push(`${path} ${res.status} ${res.body?.error?.code ?? "ok"}`);
    }
    // The static paths answer as themselves (not as a malformed `{id}`), the id path as an id.
    expect(expected.slice(0, 4).every((line) => line.endsWith(" 200 ok"))).toBe(true);
    expect(expected[4]).toBe("/api/v1/patients/not-a-uuid 422 VALIDATION_ERROR");

    for (const modules of [[...MODULES].reverse(), shuffled(MODULES, 7), shuffled(MODULES, 42)]) {
      const app = createApp(modules);
      const got = [];
      for (const [token, path] of probes) {
        const res = await app.request(path, { headers: { authorization: `Bearer ${token}` } }, env);
        const body = (await res.json()) as { error?: { code: string } };
        got.push(`${path} ${res.status} ${body.error?.code ?? "ok"}`);
      }
      expect(got).toEqual(expected);
    }
  });
});
