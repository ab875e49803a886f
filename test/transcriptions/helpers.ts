/** Helpers of the transcription tests: a scripted AI binding, calls with it, uploaded recordings. */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index";
import type { Bindings } from "../../src/env";
import type { Clinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { pathOf } from "../media/helpers";

export const WHISPER_ANSWER = {
  text: "My knee pain is 3 out of 10. I did 20 squats today.",
  transcription_info: { language: "en", duration: 6.4 },
  segments: [
    { start: 0, end: 2.9, text: " My knee pain is 3 out of 10." },
    { start: 3.1, end: 6.4, text: " I did 20 squats today." },
  ],
};

/** A binding that records its calls and answers from `answer`. */
export function scriptedAi(answer: (model: string) => unknown) {
  const calls: { model: string; input: { audio: unknown } }[] = [];
  const ai = {
    run: async (model: string, input: { audio: unknown }) => {
      calls.push({ model, input });
      return answer(model);
    },
  } as unknown as Ai;
  return { ai, calls };
}

/** Calls the Worker with extra bindings (the AI binding tests script). */
export async function call(
  bindings: Partial<Bindings>,
  method: string,
  path: string,
  token: string,
  body?: unknown,
) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`https://api.test${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    { ...env, ...bindings } as Bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers, text };
}

export const AUDIO = new Uint8Array([82, 73, 70, 70, 1, 2, 3, 4, 5, 6, 7, 8]);

/** A voice recording of clinic.patient uploaded by the physio; its media id. */
export async function recording(
  clinic: Clinic,
  contentType = "audio/wav",
  bytes: Uint8Array<ArrayBuffer> = AUDIO,
) {
  const issued = await api("POST", "/api/v1/upload/generate-url", {
    token: clinic.physio.token,
    body: {
      purpose: contentType.startsWith("audio/") ? "voice_message" : "chat_file",
      content_type: contentType,
      size_bytes: bytes.byteLength,
      owner: { kind: "patient", id: clinic.patient.id },
    },
  });
  expectStatus(issued, 201);
  const put = await api("PUT", pathOf(issued.body.data.upload_url), {
    raw: bytes,
    headers: { "content-type": contentType, "content-length": String(bytes.byteLength) },
  });
  expectStatus(put, 200);
  return issued.body.data.media_id as string;
}
