/** Security cases of magic links, MFA, invitations and the development outbox. */
import type { RouteCase } from "../suite";
import { ALL_ROLES } from "../../../src/policy/policy";
import { STAFF } from "../suite";

const anyone = [...ALL_ROLES];
const fakeToken = () => "x".repeat(43);
const newEmail = () => `invitee.${crypto.randomUUID().slice(0, 8)}@example.test`;

export const authExtrasCases: RouteCase[] = [
  {
    method: "POST",
    path: "/api/v1/auth/request-magic-link",
    public: true,
    build: () => ({ body: { email: newEmail() } }),
  },
  {
    method: "GET",
    path: "/api/v1/auth/verify-magic-link",
    public: true,
    build: () => ({ query: `token=${fakeToken()}` }),
  },
  { method: "POST", path: "/api/v1/auth/mfa/enable", allow: anyone },
  {
    method: "POST",
    path: "/api/v1/auth/mfa/verify",
    allow: anyone,
    build: () => ({ body: { code: "123456" } }),
  },
  {
    method: "POST",
    path: "/api/v1/auth/mfa/disable",
    allow: anyone,
    build: () => ({ body: { code: "123456" } }),
  },
  {
    method: "POST",
    path: "/api/v1/invites",
    allow: STAFF,
    patientData: true,
    build: (clinic) => ({
      body: { email: newEmail(), role: "family", patient_id: clinic.patient.id },
    }),
  },
  { method: "GET", path: "/api/v1/invites", allow: STAFF, patientData: true },
  { method: "GET", path: "/api/v1/dev/outbox", allow: ["admin"], patientData: true },
];
