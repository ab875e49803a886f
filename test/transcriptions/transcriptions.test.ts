/**
 * Transcription of an uploaded recording through a scripted Workers AI binding (the real one is
 * unreachable here): the model's request, stored encrypted segments, one transcript per media,
 * the 503 without a model, and access through the media's owner.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { waitForAuditRows } from "../helpers/queued-audit";
import { AUDIO, call, recording, scriptedAi, WHISPER_ANSWER } from "./helpers";

describe("happy", () => {
  it("transcribes a recording once, with timed segments, stored encrypted", async () => {
    const clinic = await createClinic();
    const mediaId = await recording(clinic);
    const { ai, calls } = scriptedAi(() => WHISPER_ANSWER);
    const res = await call({ AI: ai }, "POST", "/api/v1/transcriptions", clinic.physio.token, {
      media_id: mediaId,
    });
    expect(res.status, res.text).toBe(201);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.model).toBe("@cf/openai/whisper-large-v3-turbo");
    expect(calls[0]!.input.audio).toBe(btoa(String.fromCharCode(...AUDIO)));
    const transcript = res.body.data;
    expect(transcript).toMatchObject({
      media_id: mediaId,
      patient_id: clinic.patient.id,
      text: WHISPER_ANSWER.text,
      language: "en",
      duration_seconds: 6.4,
      provider: "workers-ai",
      model: "@cf/openai/whisper-large-v3-turbo",
    });
    expect(transcript.segments).toEqual([
      { id: "s1", start: 0, end: 2.9, text: "My knee pain is 3 out of 10." },
      { id: "s2", start: 3.1, end: 6.4, text: "I did 20 squats today." },
    ]);
    const raw = await env.DB.prepare("select * from transcripts where id = ?")
      .bind(transcript.id)
      .first();
    expect(JSON.stringify(raw)).not.toContain("squats");

    // Again: the stored transcript, no second model run.
    const again = await call({ AI: ai }, "POST", "/api/v1/transcriptions", clinic.physio.token, {
      media_id: mediaId,
    });
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(transcript.id);
    expect(calls).toHaveLength(1);

    const read = await api("GET", `/api/v1/transcriptions/${transcript.id}`, {
      token: clinic.patientUser.token,
    });
    expectStatus(read, 200);
    expect(read.body.data.segments).toEqual(transcript.segments);
    await waitForAuditRows(read.headers.get("x-request-id"));
  });

  it("uses the configured model and groups whisper v1 words into spans", async () => {
    const clinic = await createClinic();
    const mediaId = await recording(clinic);
    const { ai, calls } = scriptedAi(() => ({
      text: "Pain is better. Walked daily.",
      words: [
        { word: "Pain", start: 0, end: 0.3 },
        { word: "is", start: 0.3, end: 0.5 },
        { word: "better.", start: 0.5, end: 1 },
        { word: "Walked", start: 1.2, end: 1.6 },
        { word: "daily.", start: 1.6, end: 2 },
      ],
    }));
    const res = await call(
      { AI: ai, AI_TRANSCRIBE_MODEL: "@cf/openai/whisper" },
      "POST",
      "/api/v1/transcriptions",
      clinic.physio.token,
      { media_id: mediaId },
    );
    expect(res.status, res.text).toBe(201);
    expect(calls[0]!.input.audio).toEqual([...AUDIO]);
    expect(res.body.data.segments).toEqual([
      { id: "s1", start: 0, end: 1, text: "Pain is better." },
      { id: "s2", start: 1.2, end: 2, text: "Walked daily." },
    ]);
  });
});

describe("errors", () => {
  it("answers 503 transcription_unavailable without a model, and stores nothing", async () => {
    const clinic = await createClinic();
    const mediaId = await recording(clinic);
    const none = await api("POST", "/api/v1/transcriptions", {
      token: clinic.physio.token,
      body: { media_id: mediaId },
    });
    expectStatus(none, 503);
    expect(none.body.error.details).toEqual({ reason: "transcription_unavailable" });
    const failing = scriptedAi(() => {
      throw new Error("model down");
    });
    const down = await call(
      { AI: failing.ai },
      "POST",
      "/api/v1/transcriptions",
      clinic.physio.token,
      {
        media_id: mediaId,
      },
    );
    expect(down.status).toBe(503);
    const nonsense = scriptedAi(() => ({ response: "I am a text model" }));
    const wrong = await call(
      { AI: nonsense.ai },
      "POST",
      "/api/v1/transcriptions",
      clinic.physio.token,
      {
        media_id: mediaId,
      },
    );
    expect(wrong.status).toBe(503);
    const count = await env.DB.prepare("select count(*) as n from transcripts where media_id = ?")
      .bind(mediaId)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it("answers 422 naming media_id for a recording that is not audio or video", async () => {
    const clinic = await createClinic();
    const pdf = await recording(
      clinic,
      "application/pdf",
      Uint8Array.from(new TextEncoder().encode("%PDF-1.4")),
    );
    const { ai } = scriptedAi(() => WHISPER_ANSWER);
    const res = await call({ AI: ai }, "POST", "/api/v1/transcriptions", clinic.physio.token, {
      media_id: pdf,
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].field).toBe("media_id");
    const missing = await api("POST", "/api/v1/transcriptions", {
      token: clinic.physio.token,
      body: {},
    });
    expectStatus(missing, 422);
  });
});

describe("security", () => {
  it("follows the recording's access: off-team staff, family and other workspaces get 404", async () => {
    const clinic = await createClinic();
    const other = await createClinic("Other");
    const mediaId = await recording(clinic);
    const { ai, calls } = scriptedAi(() => WHISPER_ANSWER);
    for (const token of [clinic.doctor.token, clinic.family.token, other.admin.token]) {
      const res = await call({ AI: ai }, "POST", "/api/v1/transcriptions", token, {
        media_id: mediaId,
      });
      expect(res.status, res.text).toBe(404);
    }
    expect(calls).toHaveLength(0);
    const created = await call({ AI: ai }, "POST", "/api/v1/transcriptions", clinic.admin.token, {
      media_id: mediaId,
    });
    expect(created.status).toBe(201);
    for (const token of [clinic.doctor.token, clinic.family.token, other.admin.token]) {
      const res = await api("GET", `/api/v1/transcriptions/${created.body.data.id}`, { token });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe("Transcript not found");
    }
  });
});
