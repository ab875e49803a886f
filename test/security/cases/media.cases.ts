import type { RouteCase } from "../suite";
import { api, expectStatus } from "../../helpers/http";
import type { Clinic } from "../../helpers/fixtures";

const issue = (clinic: Clinic) => ({
  purpose: "session_video",
  content_type: "video/mp4",
  size_bytes: 1024,
  owner: { kind: "patient", id: clinic.patient.id },
});

/** A multipart upload for clinic A's patient, opened by the admin. */
async function multipartOf(clinic: Clinic) {
  const res = expectStatus(
    await api("POST", "/api/v1/uploads/multipart", {
      token: clinic.admin.token,
      body: { ...issue(clinic), size_bytes: 6 * 1024 * 1024 },
    }),
    201,
  );
  return res.body.data.media_id as string;
}

/** A media object of clinic A's patient, issued by the admin. */
async function mediaOf(clinic: Clinic) {
  const res = expectStatus(
    await api("POST", "/api/v1/upload/generate-url", {
      token: clinic.admin.token,
      body: issue(clinic),
    }),
    201,
  );
  return res.body.data.media_id as string;
}

/**
 * Media: access follows the owner (here a patient): the care team, admins and the patient
 * themself; other clinicians are refused (403), family never reach raw media (403). By media id,
 * every refusal is the 404 of an unknown id (family may use these routes for their own media).
 */
const byId = { doctor: 404, nurse: 404, family: 404 } as const;
/** A multipart upload is managed by its uploader only (here the admin): anyone else gets 404. */
const notUploader = { ...byId, physiotherapist: 404, patient: 404 } as const;
/** Issuing (owner in the body): staff off the care team get the patient's 404; family 403. */
const offTeam = { doctor: 404, nurse: 404 } as const;
export const mediaCases: RouteCase[] = [
  {
    method: "POST",
    path: "/api/v1/upload/generate-url",
    allow: ["admin", "physiotherapist", "patient"],
    deny: offTeam,
    patientData: true,
    build: (clinic) => ({ body: issue(clinic) }),
  },
  {
    method: "GET",
    path: "/api/v1/media/{id}/download-url",
    allow: ["admin", "physiotherapist", "patient"],
    deny: byId,
    patientData: true,
    build: async (clinic) => ({ params: { id: await mediaOf(clinic) } }),
  },

  {
    method: "POST",
    path: "/api/v1/uploads/multipart",
    allow: ["admin", "physiotherapist", "patient"],
    deny: offTeam,
    patientData: true,
    build: (clinic) => ({ body: { ...issue(clinic), size_bytes: 6 * 1024 * 1024 } }),
  },
  {
    method: "GET",
    path: "/api/v1/uploads/multipart/{id}/parts",
    allow: ["admin"],
    deny: notUploader,
    patientData: true,
    build: async (clinic) => ({ params: { id: await multipartOf(clinic) } }),
  },
  {
    method: "POST",
    path: "/api/v1/uploads/multipart/{id}/complete",
    allow: ["admin"],
    deny: notUploader,
    patientData: true,
    build: async (clinic) => ({ params: { id: await multipartOf(clinic) }, body: {} }),
  },
  {
    method: "DELETE",
    path: "/api/v1/uploads/multipart/{id}",
    allow: ["admin"],
    deny: notUploader,
    patientData: true,
    build: async (clinic) => ({ params: { id: await multipartOf(clinic) } }),
  },
  {
    // The signed token is the credential (no bearer); forged, expired and tampered tokens are
    // refused in test/media/upload.test.ts.
    method: "PUT",
    path: "/api/v1/uploads/{token}",
    public: true,
    build: () => ({
      params: { token: "eyJvcCI6InB1dCJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
    }),
  },
  {
    method: "GET",
    path: "/api/v1/media/{token}",
    public: true,
    build: () => ({
      params: { token: "eyJvcCI6ImdldCJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
    }),
  },
];
