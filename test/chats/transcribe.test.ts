/**
 * `POST /messages/{id}/transcribe` through a scripted Whisper binding (Workers AI is unreachable
 * here): the text kept encrypted on the voice message, read back by participants, announced as
 * `message:updated`, a retry answered from storage, `?force=true` runs again; refusals as the
 * chat's own rules say.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createClinic, type Clinic, type TestUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { put } from "../media/helpers";
import { AUDIO, call, scriptedAi, WHISPER_ANSWER } from "../transcriptions/helpers";
import { careTeamChat, clientId, openChat, sendText } from "./helpers";

/** A voice message of `user` in the chat, its recording uploaded to the chat; its id. */
export async function voiceMessage(user: TestUser, chatId: string) {
  const issued = await api("POST", "/api/v1/upload/generate-url", {
    token: user.token,
    body: {
      purpose: "voice_message",
      content_type: "audio/wav",
      size_bytes: AUDIO.byteLength,
      owner: { kind: "chat", id: chatId },
    },
  });
  expectStatus(issued, 201);
  expectStatus(await put(issued.body.data.upload_url, AUDIO, { "content-type": "audio/wav" }), 200);
  const sent = await api("POST", `/api/v1/chats/${chatId}/messages`, {
    token: user.token,
    body: {
      type: "voice",
      media_id: issued.body.data.media_id,
      voice_seconds: 6,
      client_message_id: clientId(),
    },
  });
  expectStatus(sent, 201);
  return sent.body.data.id as string;
}

const transcribe = (ai: Ai, user: TestUser, id: string, query = "") =>
  call({ AI: ai }, "POST", `/api/v1/messages/${id}/transcribe${query}`, user.token);

async function setup(): Promise<{ clinic: Clinic; chatId: string; messageId: string }> {
  const clinic = await createClinic();
  const chat = await careTeamChat(clinic);
  return { clinic, chatId: chat.id, messageId: await voiceMessage(clinic.patientUser, chat.id) };
}

describe("happy", () => {
  it("stores the transcription on the voice message, tells the chat, answers a retry from storage", async () => {
    const { clinic, chatId, messageId } = await setup();
    const room = await openChat(clinic.patientUser, chatId);
    const { ai, calls } = scriptedAi(() => WHISPER_ANSWER);
    const res = await transcribe(ai, clinic.physio, messageId);
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      message_id: messageId,
      chat_id: chatId,
      transcription: WHISPER_ANSWER.text,
      duration: "6.4s",
    });
    const updated = await room.next();
    expect(updated.event).toBe("message:updated");
    expect(updated.data).toMatchObject({ id: messageId, transcription: WHISPER_ANSWER.text });
    room.close();

    const raw = await env.DB.prepare("select * from chat_messages where id = ?")
      .bind(messageId)
      .first<Record<string, string>>();
    expect(raw!.transcription_enc).toBeTruthy();
    expect(raw!.transcript_id).toBe(res.body.data.transcript_id);
    expect(JSON.stringify(raw)).not.toContain("squats");

    const again = await transcribe(ai, clinic.patientUser, messageId);
    expect(again.status, again.text).toBe(200);
    expect(again.body.data.transcription).toBe(WHISPER_ANSWER.text);
    expect(calls).toHaveLength(1);

    const read = await api("GET", `/api/v1/messages/${messageId}`, {
      token: clinic.patientUser.token,
    });
    expectStatus(read, 200);
    expect(read.body.data).toMatchObject({ transcription: WHISPER_ANSWER.text });
    expect(read.body.data.transcribed_at).toBeTruthy();

    const audit = await env.DB.prepare(
      "select metadata from audit_log where action = 'chat_message.transcribed' and resource_id = ?",
    )
      .bind(messageId)
      .first<{ metadata: string }>();
    expect(JSON.parse(audit!.metadata)).toMatchObject({ chat_id: chatId, force: false });
    expect(audit!.metadata).not.toContain("knee");
  });

  it("?force=true runs the model again and replaces the text, keeping the transcript id", async () => {
    const { clinic, messageId } = await setup();
    const first = await transcribe(scriptedAi(() => WHISPER_ANSWER).ai, clinic.physio, messageId);
    expect(first.status, first.text).toBe(201);
    const { ai, calls } = scriptedAi(() => ({ text: "Pain is 2 out of 10 now." }));
    const forced = await transcribe(ai, clinic.physio, messageId, "?force=true");
    expect(forced.status, forced.text).toBe(201);
    expect(calls).toHaveLength(1);
    expect(forced.body.data).toMatchObject({
      transcription: "Pain is 2 out of 10 now.",
      transcript_id: first.body.data.transcript_id,
    });
  });
});

describe("errors", () => {
  it("refuses a text message (naming the id) and answers 503 without a model", async () => {
    const { clinic, chatId, messageId } = await setup();
    const text = await sendText(clinic.physio, chatId, "Hello");
    const res = await transcribe(
      scriptedAi(() => WHISPER_ANSWER).ai,
      clinic.physio,
      text.body.data.id,
    );
    expect(res.status, res.text).toBe(422);
    expect(res.body.error.details[0].field).toBe("id");
    const none = await call(
      {},
      "POST",
      `/api/v1/messages/${messageId}/transcribe`,
      clinic.physio.token,
    );
    expect(none.status, none.text).toBe(503);
    expect(none.body.error.details.reason).toBe("transcription_unavailable");
  });
});

describe("security", () => {
  it("a non-participant, another workspace and an unknown id get the same 404, audited", async () => {
    const { clinic, messageId } = await setup();
    const other = await createClinic();
    const ai = scriptedAi(() => WHISPER_ANSWER).ai;
    for (const user of [clinic.doctor, other.physio]) {
      const res = await transcribe(ai, user, messageId);
      expect(res.status, res.text).toBe(404);
    }
    const unknown = await transcribe(ai, clinic.physio, crypto.randomUUID());
    expect(unknown.status).toBe(404);
    const denied = await env.DB.prepare(
      "select count(*) as n from audit_log where action = 'chat_message.transcribed' and outcome <> 'success'",
    ).first<{ n: number }>();
    expect(denied!.n).toBeGreaterThan(0);
  });
});
