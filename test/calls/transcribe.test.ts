/**
 * `POST /calls/{id}/transcribe` through a scripted Whisper binding: the call's recording (made
 * with /record and uploaded) transcribed, kept encrypted on the call, read back in `GET
 * /calls/{id}`, a retry answered from storage; 409 without a recording; the scribe then drafts
 * from the call_id citing span ids.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { put } from "../media/helpers";
import { AUDIO, call, scriptedAi, WHISPER_ANSWER } from "../transcriptions/helpers";
import { initiate, move } from "./helpers";

async function recordedCall() {
  const clinic = await createClinic();
  const c = await initiate(clinic.physio, clinic.patientUser, "voice");
  expectStatus(await move(clinic.patientUser, c.id, "answer"), 200);
  const started = expectStatus(
    await api("POST", `/api/v1/calls/${c.id}/record`, {
      token: clinic.physio.token,
      body: { action: "start", content_type: "audio/webm", size_bytes: AUDIO.byteLength },
    }),
    200,
  );
  const upload = started.body.data.upload;
  expectStatus(await put(upload.upload_url, AUDIO, { "content-type": "audio/webm" }), 200);
  expectStatus(await move(clinic.physio, c.id, "end"), 200);
  return { clinic, callId: c.id as string };
}

describe("happy", () => {
  it("transcribes the recording onto the call, participants read it, a retry is stored", async () => {
    const { clinic, callId } = await recordedCall();
    const { ai, calls } = scriptedAi(() => WHISPER_ANSWER);
    const path = `/api/v1/calls/${callId}/transcribe`;
    const res = await call({ AI: ai }, "POST", path, clinic.physio.token, {});
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({ call_id: callId, transcription: WHISPER_ANSWER.text });
    const again = await call({ AI: ai }, "POST", path, clinic.patientUser.token, {});
    expect(again.status, again.text).toBe(200);
    expect(calls).toHaveLength(1);
    const raw = await env.DB.prepare("select * from calls where id = ?").bind(callId).first();
    expect(JSON.stringify(raw)).not.toContain("squats");
    const got = expectStatus(
      await api("GET", `/api/v1/calls/${callId}`, { token: clinic.patientUser.token }),
      200,
    );
    expect(got.body.data).toMatchObject({
      transcription: WHISPER_ANSWER.text,
      transcript_id: res.body.data.transcript_id,
    });

    const note = await api("POST", "/api/v1/scribe/generate-note", {
      token: clinic.physio.token,
      body: { call_id: callId, template_type: "soap" },
    });
    expect(note.status, note.text).toBe(201);
    const sources = note.body.data.sentences.flatMap((s: { sources: string[] }) => s.sources);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.every((id: string) => /^s\d+$/.test(id))).toBe(true);
  });
});

describe("errors", () => {
  it("409 without a recording, 422 for media of something else", async () => {
    const clinic = await createClinic();
    const c = await initiate(clinic.physio, clinic.patientUser, "voice");
    const ai = scriptedAi(() => WHISPER_ANSWER).ai;
    const path = `/api/v1/calls/${c.id}/transcribe`;
    const none = await call({ AI: ai }, "POST", path, clinic.physio.token, {});
    expect(none.status, none.text).toBe(409);
    expect(none.body.error.details[0].field).toBe("media_id");
    const foreign = await call({ AI: ai }, "POST", path, clinic.physio.token, {
      media_id: crypto.randomUUID(),
    });
    expect(foreign.status, foreign.text).toBe(422);
    expect(foreign.body.error.details[0].field).toBe("media_id");
  });
});
