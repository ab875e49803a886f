/** Helpers of the media tests: issuing uploads, PUTting bytes to signed URLs, hashing. */
import { env } from "cloudflare:test";
import { api, expectStatus } from "../helpers/http";
import type { Clinic } from "../helpers/fixtures";

/** The path and query of an absolute URL the API answered (tests call the Worker directly). */
export const pathOf = (url: string) => {
  const parsed = new URL(url, "https://api.test");
  return parsed.pathname + parsed.search;
};

export const bytesOf = (size: number, seed = 7) => {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
};

export async function sha256(bytes: Uint8Array | ArrayBuffer) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function issue(
  clinic: Clinic,
  body: Record<string, unknown> = {},
  token = clinic.physio.token,
) {
  return api("POST", "/api/v1/upload/generate-url", {
    token,
    body: {
      purpose: "session_video",
      content_type: "video/mp4",
      size_bytes: 4096,
      owner: { kind: "patient", id: clinic.patient.id },
      ...body,
    },
  });
}

export async function put(
  url: string,
  bytes: Uint8Array,
  headers: Record<string, string> = { "content-type": "video/mp4" },
) {
  return api("PUT", pathOf(url), {
    raw: bytes,
    headers: { "content-length": String(bytes.byteLength), ...headers },
  });
}

/** Issues and uploads a media object; its id. */
export async function uploaded(clinic: Clinic, bytes: Uint8Array, contentType = "video/mp4") {
  const res = expectStatus(
    await issue(clinic, { content_type: contentType, size_bytes: bytes.byteLength }),
    201,
  );
  expectStatus(await put(res.body.data.upload_url, bytes, { "content-type": contentType }), 200);
  return res.body.data.media_id as string;
}

export const mediaRow = (id: string) =>
  env.DB.prepare("select * from media_objects where id = ?").bind(id).first<Record<string, any>>();

export const auditActions = async (resourceId: string) =>
  (
    await env.DB.prepare("select action, outcome from audit_log where resource_id = ? order by seq")
      .bind(resourceId)
      .all<{ action: string; outcome: string }>()
  ).results;
