import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createClinic, type Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { auditRows, book, createLocation, createService, unique } from "./helpers";

let clinic: Clinic;
let other: Clinic;
beforeAll(async () => {
  [clinic, other] = await Promise.all([createClinic(), createClinic()]);
});

const rawRow = (table: string, id: string) =>
  env.DB.prepare(`select * from ${table} where id = ?`).bind(id).first<Record<string, unknown>>();

describe("happy", () => {
  it("creates, reads, lists, updates and hard-deletes an unused service", async () => {
    const name = unique("Deep Tissue");
    const created = await api("POST", "/api/v1/services", {
      token: clinic.admin.token,
      body: { name, description: "Deeper layers", default_duration_minutes: 60 },
    });
    expectStatus(created, 201);
    const service = created.body.data;
    expect(service).toMatchObject({ name, default_duration_minutes: 60, is_active: true });
    expect(await auditRows({ requestId: created.headers.get("x-request-id") })).toMatchObject([
      { action: "service.created", outcome: "success", resource_id: service.id },
    ]);

    const read = await api("GET", `/api/v1/services/${service.id}`, {
      token: clinic.patientUser.token,
    });
    expect(expectStatus(read, 200).body.data.name).toBe(name);

    const list = await api("GET", "/api/v1/services?page_size=100", { token: clinic.nurse.token });
    expect(expectStatus(list, 200).body.data.map((s: any) => s.id)).toContain(service.id);
    expect(list.body.pagination).toMatchObject({ page: 1, page_size: 100 });

    const updated = await api("PUT", `/api/v1/services/${service.id}`, {
      token: clinic.admin.token,
      body: { default_duration_minutes: 90, is_active: false },
    });
    expect(expectStatus(updated, 200).body.data).toMatchObject({
      default_duration_minutes: 90,
      is_active: false,
    });
    const inactive = await api("GET", "/api/v1/services?is_active=false", {
      token: clinic.admin.token,
    });
    expect(inactive.body.data.map((s: any) => s.id)).toContain(service.id);
    const active = await api("GET", "/api/v1/services", { token: clinic.admin.token });
    expect(active.body.data.map((s: any) => s.id)).not.toContain(service.id);

    expectStatus(
      await api("DELETE", `/api/v1/services/${service.id}`, { token: clinic.admin.token }),
      204,
    );
    expect(await rawRow("services", service.id)).toBeNull();
    const rows = await auditRows({ resourceId: service.id });
    expect(rows.at(-1)).toMatchObject({ action: "service.deleted", outcome: "success" });
    expect(JSON.parse(rows.at(-1)!.metadata)).toEqual({ soft: false });
  });

  it("soft-deletes a service an appointment uses, and frees its name", async () => {
    const service = await createService(clinic);
    await book(clinic, { service_id: service.id });
    expectStatus(
      await api("DELETE", `/api/v1/services/${service.id}`, { token: clinic.admin.token }),
      204,
    );
    const row = await rawRow("services", service.id);
    expect(row).toMatchObject({ is_active: 0 });
    expect(row!.deleted_at).toBeTruthy();
    expectStatus(
      await api("GET", `/api/v1/services/${service.id}`, { token: clinic.admin.token }),
      404,
    );
    await createService(clinic, { name: service.name });
  });

  it("creates locations, filters by type, encrypts the address, soft-deletes when in use", async () => {
    const address = "123 Therapy Lane, Suite 200";
    const clinicLoc = await createLocation(clinic, { location_type: "clinic", address });
    const online = await createLocation(clinic, { location_type: "online" });
    expect(clinicLoc).toMatchObject({ location_type: "clinic", address, is_active: true });
    const raw = await rawRow("locations", clinicLoc.id);
    expect(JSON.stringify(raw)).not.toContain("Therapy Lane");

    const homes = await api("GET", "/api/v1/locations?location_type=online&page_size=100", {
      token: clinic.physio.token,
    });
    const ids = expectStatus(homes, 200).body.data.map((l: any) => l.id);
    expect(ids).toContain(online.id);
    expect(ids).not.toContain(clinicLoc.id);

    await book(clinic, { location_id: clinicLoc.id });
    expectStatus(
      await api("DELETE", `/api/v1/locations/${clinicLoc.id}`, { token: clinic.admin.token }),
      204,
    );
    expect((await rawRow("locations", clinicLoc.id))!.deleted_at).toBeTruthy();
    expectStatus(
      await api("DELETE", `/api/v1/locations/${online.id}`, { token: clinic.admin.token }),
      204,
    );
    expect(await rawRow("locations", online.id)).toBeNull();
  });
});

describe("errors", () => {
  it("409 DUPLICATE_ENTRY for a service name taken in any case; other workspaces are free", async () => {
    const service = await createService(clinic);
    const res = await api("POST", "/api/v1/services", {
      token: clinic.admin.token,
      body: { name: `  ${service.name.toUpperCase()} `, default_duration_minutes: 30 },
    });
    expect(expectStatus(res, 409).body.error.code).toBe("DUPLICATE_ENTRY");
    await createService(other, { name: service.name });
    const second = await createService(clinic);
    const rename = await api("PUT", `/api/v1/services/${second.id}`, {
      token: clinic.admin.token,
      body: { name: service.name.toLowerCase() },
    });
    expect(expectStatus(rename, 409).body.error.code).toBe("DUPLICATE_ENTRY");
  });

  it("422 on a duration outside 5–480 minutes", async () => {
    for (const minutes of [4, 481]) {
      const res = await api("POST", "/api/v1/services", {
        token: clinic.admin.token,
        body: { name: unique("Bad"), default_duration_minutes: minutes },
      });
      expect(expectStatus(res, 422).body.error.details[0].field).toBe("default_duration_minutes");
    }
  });

  it("422 naming address when a clinic or home location has none (create and update)", async () => {
    for (const location_type of ["clinic", "home"]) {
      const res = await api("POST", "/api/v1/locations", {
        token: clinic.admin.token,
        body: { name: unique("Nowhere"), location_type },
      });
      expect(expectStatus(res, 422).body.error.details.map((d: any) => d.field)).toEqual([
        "address",
      ]);
    }
    const online = await createLocation(clinic, { location_type: "online" });
    const res = await api("PUT", `/api/v1/locations/${online.id}`, {
      token: clinic.admin.token,
      body: { location_type: "home" },
    });
    expect(expectStatus(res, 422).body.error.details[0].field).toBe("address");
  });

  it("409 for a duplicate location name", async () => {
    const loc = await createLocation(clinic);
    const res = await api("POST", "/api/v1/locations", {
      token: clinic.admin.token,
      body: { name: loc.name.toUpperCase(), location_type: "online" },
    });
    expect(expectStatus(res, 409).body.error.code).toBe("DUPLICATE_ENTRY");
  });

  it("404 for unknown ids", async () => {
    const id = "01900000-0000-7000-8000-000000000000";
    expectStatus(await api("GET", `/api/v1/services/${id}`, { token: clinic.admin.token }), 404);
    expectStatus(
      await api("DELETE", `/api/v1/locations/${id}`, { token: clinic.admin.token }),
      404,
    );
  });
});

describe("security", () => {
  it("patients see active services only; family none; staff cannot write", async () => {
    const hidden = await createService(clinic, { is_active: false });
    const asPatient = await api("GET", "/api/v1/services?is_active=false&page_size=100", {
      token: clinic.patientUser.token,
    });
    expect(expectStatus(asPatient, 200).body.data.map((s: any) => s.id)).not.toContain(hidden.id);
    expectStatus(
      await api("GET", `/api/v1/services/${hidden.id}`, { token: clinic.patientUser.token }),
      404,
    );
    expectStatus(await api("GET", "/api/v1/services", { token: clinic.family.token }), 403);
    const denied = await api("POST", "/api/v1/services", {
      token: clinic.physio.token,
      body: { name: unique("Mine"), default_duration_minutes: 30 },
    });
    expectStatus(denied, 403);
    expect(await auditRows({ requestId: denied.headers.get("x-request-id") })).toMatchObject([
      { action: "service.created", outcome: "denied", actor_id: clinic.physio.id },
    ]);
  });

  it("another workspace's service or location is a 404", async () => {
    const service = await createService(clinic);
    const loc = await createLocation(clinic);
    expectStatus(
      await api("GET", `/api/v1/services/${service.id}`, { token: other.admin.token }),
      404,
    );
    expectStatus(
      await api("PUT", `/api/v1/locations/${loc.id}`, {
        token: other.admin.token,
        body: { details: "x" },
      }),
      404,
    );
    const list = await api("GET", "/api/v1/services?page_size=100", { token: other.admin.token });
    expect(list.body.data.map((s: any) => s.id)).not.toContain(service.id);
  });
});
