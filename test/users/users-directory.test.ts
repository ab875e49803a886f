import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, createUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";

const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((u) => u.id).sort();

const auditOf = (requestId: string | null) =>
  env.DB.prepare("SELECT action, outcome, metadata FROM audit_log WHERE request_id = ?")
    .bind(requestId)
    .all<{ action: string; outcome: string; metadata: string | null }>()
    .then((r) => r.results);

describe("users directory: happy", () => {
  it("lists the workspace's users with role, activity, email and name filters", async () => {
    const [clinic, other] = await Promise.all([createClinic(), createClinic()]);
    const token = clinic.admin.token;
    const all = expectStatus(await api("GET", "/api/v1/users", { token }), 200);
    expect(ids(all)).toEqual(
      Object.values(clinic.users)
        .concat(clinic.otherPatientUser)
        .map((u) => u.id)
        .sort(),
    );
    expect(all.body.pagination).toMatchObject({ page: 1, total_items: 7, total_pages: 1 });
    expect(JSON.stringify(all.body)).not.toContain(other.admin.id);

    const patients = await api("GET", "/api/v1/users?role=patient", { token });
    expect(ids(patients)).toEqual([clinic.patientUser.id, clinic.otherPatientUser.id].sort());

    const byEmail = await api(
      "GET",
      `/api/v1/users?search=${encodeURIComponent(clinic.nurse.email.toUpperCase())}`,
      { token },
    );
    expect(ids(byEmail)).toEqual([clinic.nurse.id]);
    const otherEmail = await api(
      "GET",
      `/api/v1/users?search=${encodeURIComponent(other.nurse.email)}`,
      { token },
    );
    expect(otherEmail.body.data).toEqual([]);

    const named = await createUser(clinic.workspaceId, "doctor", "Ingrid Marlowe-Tanaka");
    const byWord = await api("GET", "/api/v1/users?search=tanaka", { token });
    expect(ids(byWord)).toEqual([named.id]);
    const byWords = await api("GET", "/api/v1/users?search=Ingrid%20Marlowe", { token });
    expect(ids(byWords)).toEqual([named.id]);
    expect((await api("GET", "/api/v1/users?search=Ingrid%20Nobody", { token })).body.data).toEqual(
      [],
    );

    const page = await api("GET", "/api/v1/users?page=2&page_size=3", { token });
    expect(page.body.pagination).toEqual({ page: 2, page_size: 3, total_items: 8, total_pages: 3 });
    expect(page.body.data).toHaveLength(3);

    await api("PUT", `/api/v1/users/${clinic.family.id}`, { token, body: { is_active: false } });
    const inactive = await api("GET", "/api/v1/users?is_active=false", { token });
    expect(ids(inactive)).toEqual([clinic.family.id]);
    const [entry] = await auditOf(inactive.headers.get("x-request-id"));
    expect(entry).toMatchObject({ action: "user.listed", outcome: "success" });
  });

  it("reads users: full for admins and self, a directory entry for staff reading staff", async () => {
    const clinic = await createClinic();
    const full = expectStatus(
      await api("GET", `/api/v1/users/${clinic.nurse.id}`, { token: clinic.admin.token }),
      200,
    );
    expect(full.body.data).toMatchObject({
      id: clinic.nurse.id,
      email: clinic.nurse.email,
      role: "nurse",
    });
    const self = await api("GET", `/api/v1/users/${clinic.patientUser.id}`, {
      token: clinic.patientUser.token,
    });
    expect(expectStatus(self, 200).body.data.email).toBe(clinic.patientUser.email);
    const colleague = expectStatus(
      await api("GET", `/api/v1/users/${clinic.admin.id}`, { token: clinic.physio.token }),
      200,
    );
    expect(colleague.body.data).toEqual({
      id: clinic.admin.id,
      workspace_id: clinic.workspaceId,
      name: clinic.admin.name,
      role: "admin",
      title: null,
      avatar_url: null,
      is_active: true,
    });
    expect(await auditOf(colleague.headers.get("x-request-id"))).toEqual([
      { action: "user.read", outcome: "success", metadata: JSON.stringify({ view: "directory" }) },
    ]);
  });
});

describe("users directory: errors", () => {
  it("rejects bad filters and ids (422), answers unknown ids with 404", async () => {
    const clinic = await createClinic();
    const token = clinic.admin.token;
    for (const query of ["is_active=maybe", "role=superuser", "page_size=101", "search="]) {
      const res = await api("GET", `/api/v1/users?${query}`, { token });
      expect(res.status, `${query}: ${res.text}`).toBe(422);
    }
    expect((await api("GET", "/api/v1/users/not-a-uuid", { token })).status).toBe(422);
    const unknown = "01900000-0000-7000-8000-000000000000";
    expect((await api("GET", `/api/v1/users/${unknown}`, { token })).status).toBe(404);
  });
});

describe("users directory: security", () => {
  it("clinicians cannot list users; the refusal is audited", async () => {
    const clinic = await createClinic();
    const res = await api("GET", "/api/v1/users", { token: clinic.doctor.token });
    expect(res.status).toBe(403);
    expect(await auditOf(res.headers.get("x-request-id"))).toEqual([
      {
        action: "user.listed",
        outcome: "denied",
        metadata: JSON.stringify({ permission: "users.manage" }),
      },
    ]);
  });

  it("staff get 403 on patient users; patients and family get 404 on anyone else", async () => {
    const clinic = await createClinic();
    const staff = await api("GET", `/api/v1/users/${clinic.patientUser.id}`, {
      token: clinic.physio.token,
    });
    expect(staff.status).toBe(403);
    for (const token of [clinic.patientUser.token, clinic.family.token]) {
      for (const target of [clinic.physio.id, clinic.otherPatientUser.id]) {
        const res = await api("GET", `/api/v1/users/${target}`, { token });
        expect(res.status, res.text).toBe(404);
        expect((await auditOf(res.headers.get("x-request-id")))[0]?.outcome).toBe("denied");
      }
    }
  });
});
