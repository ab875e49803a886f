import type { RouteCase } from "../suite";
import { ALL_ROLES, STAFF_ROLES } from "../../../src/policy/policy";
import {
  book,
  createLocation,
  createService,
  createTimeOff,
  nextSlot,
  unique,
} from "../../scheduling/helpers";

const anyone = [...ALL_ROLES];
const staff = [...STAFF_ROLES];
const editors = ["admin", "physiotherapist"] as const;
/** Clinicians whose role may act but who are outside the patient's care team: 404, like no id. */
const notOnTeam = { doctor: 404, nurse: 404 } as const;

export const schedulingCases: RouteCase[] = [
  {
    method: "POST",
    path: "/api/v1/services",
    allow: ["admin"],
    build: () => ({ body: { name: unique("Massage"), default_duration_minutes: 60 } }),
  },
  { method: "GET", path: "/api/v1/services", allow: [...staff, "patient"] },
  {
    method: "GET",
    path: "/api/v1/services/{id}",
    allow: [...staff, "patient"],
    build: async (c) => ({ params: { id: (await createService(c)).id } }),
  },
  {
    method: "PUT",
    path: "/api/v1/services/{id}",
    allow: ["admin"],
    build: async (c) => ({
      params: { id: (await createService(c)).id },
      body: { description: "x" },
    }),
  },
  {
    method: "DELETE",
    path: "/api/v1/services/{id}",
    allow: ["admin"],
    build: async (c) => ({ params: { id: (await createService(c)).id } }),
  },
  {
    method: "POST",
    path: "/api/v1/locations",
    allow: ["admin"],
    build: () => ({
      body: { name: unique("Clinic"), location_type: "clinic", address: "1 Main St" },
    }),
  },
  { method: "GET", path: "/api/v1/locations", allow: staff },
  {
    method: "GET",
    path: "/api/v1/locations/{id}",
    allow: staff,
    build: async (c) => ({ params: { id: (await createLocation(c)).id } }),
  },
  {
    method: "PUT",
    path: "/api/v1/locations/{id}",
    allow: ["admin"],
    build: async (c) => ({ params: { id: (await createLocation(c)).id }, body: { details: "x" } }),
  },
  {
    method: "DELETE",
    path: "/api/v1/locations/{id}",
    allow: ["admin"],
    build: async (c) => ({ params: { id: (await createLocation(c)).id } }),
  },
  {
    method: "POST",
    path: "/api/v1/appointments",
    allow: editors,
    deny: notOnTeam,
    patientData: true,
    build: (c) => ({
      body: { patient_id: c.patient.id, clinician_id: c.physio.id, ...nextSlot(), notes: "n" },
    }),
  },
  { method: "GET", path: "/api/v1/appointments", allow: anyone, patientData: true },
  {
    method: "GET",
    path: "/api/v1/appointments/conflicts",
    allow: staff,
    patientData: true,
    build: (c) => {
      const slot = nextSlot();
      const query = new URLSearchParams({ ...slot, clinician_id: c.physio.id });
      return { query: query.toString() };
    },
  },
  {
    method: "GET",
    path: "/api/v1/appointments/available-slots",
    allow: [...staff, "patient"],
    build: (c) => ({
      query: `clinician_id=${c.physio.id}&date_from=2031-01-06&date_to=2031-01-07`,
    }),
  },
  {
    method: "GET",
    path: "/api/v1/appointments/{id}",
    allow: ["admin", "physiotherapist", "patient"],
    deny: { ...notOnTeam, family: 404 },
    patientData: true,
    build: async (c) => ({ params: { id: (await book(c)).id } }),
  },
  {
    method: "PUT",
    path: "/api/v1/appointments/{id}",
    allow: editors,
    deny: notOnTeam,
    patientData: true,
    build: async (c) => ({ params: { id: (await book(c)).id }, body: { notes: "Bring shoes" } }),
  },
  {
    method: "DELETE",
    path: "/api/v1/appointments/{id}",
    allow: editors,
    deny: notOnTeam,
    patientData: true,
    build: async (c) => ({ params: { id: (await book(c)).id } }),
  },
  { method: "GET", path: "/api/v1/patients/appointments", allow: ["patient"], patientData: true },
  {
    method: "GET",
    path: "/api/v1/clinicians/{id}/working-hours",
    allow: staff,
    build: (c) => ({ params: { id: c.physio.id } }),
  },
  {
    method: "PUT",
    path: "/api/v1/clinicians/{id}/working-hours",
    allow: editors,
    build: (c) => ({
      params: { id: c.physio.id },
      body: { working_hours: [{ weekday: 1, start: "09:00", end: "17:00", timezone: "UTC" }] },
    }),
  },
  {
    method: "POST",
    path: "/api/v1/clinicians/{id}/time-off",
    allow: editors,
    build: (c) => ({
      params: { id: c.physio.id },
      body: { starts_at: "2031-03-01T00:00:00Z", ends_at: "2031-03-02T00:00:00Z", reason: "r" },
    }),
  },
  {
    method: "GET",
    path: "/api/v1/clinicians/{id}/time-off",
    allow: staff,
    build: (c) => ({ params: { id: c.physio.id } }),
  },
  {
    method: "DELETE",
    path: "/api/v1/clinicians/{id}/time-off/{time_off_id}",
    allow: editors,
    build: async (c) => ({
      params: { id: c.physio.id, time_off_id: (await createTimeOff(c, c.physio.id)).id },
    }),
  },
];
