/** File and voice messages: uploaded through the media module to the chat, downloadable by participants only. */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createClinic, type Clinic, type TestUser } from "../helpers/fixtures";
import { api, expectStatus } from "../helpers/http";
import { bytesOf, pathOf, put } from "../media/helpers";
import { careTeamChat, clientId, openChat } from "./helpers";

let clinic: Clinic;
beforeAll(async () => {
  clinic = await createClinic("Chat Media Clinic");
});

async function upload(
  user: TestUser,
  chatId: string,
  purpose = "chat_file",
  contentType = "application/pdf",
) {
  const bytes = bytesOf(2048);
  const issued = await api("POST", "/api/v1/upload/generate-url", {
    token: user.token,
    body: {
      purpose,
      content_type: contentType,
      size_bytes: bytes.byteLength,
      owner: { kind: "chat", id: chatId },
    },
  });
  expect(issued.status, issued.text).toBe(201);
  const data = issued.body.data;
  expectStatus(await put(data.upload_url, bytes, { "content-type": contentType }), 200);
  return data.media_id as string;
}

const send = (user: TestUser, chatId: string, body: Record<string, unknown>) =>
  api("POST", `/api/v1/chats/${chatId}/messages`, {
    token: user.token,
    body: { client_message_id: clientId(), ...body },
  });

describe("happy", () => {
  it("sends a file with a caption and a voice message; participants download them", async () => {
    const chat = await careTeamChat(clinic);
    const room = await openChat(clinic.patientUser, chat.id);
    const fileId = await upload(clinic.physio, chat.id);
    const file = await send(clinic.physio, chat.id, {
      type: "file",
      media_id: fileId,
      content: "Your exercise plan",
    });
    expect(file.status, file.text).toBe(201);
    expect(file.body.data).toMatchObject({ type: "file", media_id: fileId, voice_seconds: null });
    const received = await room.next();
    expect(received.data).toMatchObject({ media_id: fileId, content: "Your exercise plan" });

    const voiceId = await upload(clinic.patientUser, chat.id, "voice_message", "audio/mpeg");
    const voice = await send(clinic.patientUser, chat.id, {
      type: "voice",
      media_id: voiceId,
      voice_seconds: 12,
    });
    expect(voice.status, voice.text).toBe(201);
    expect(voice.body.data).toMatchObject({ type: "voice", voice_seconds: 12, content: null });

    const got = await api("GET", `/api/v1/chats/${chat.id}`, { token: clinic.physio.token });
    expect(got.body.data.messages.map((m: any) => m.media_id)).toEqual([voiceId, fileId]);
    const url = await api("GET", `/api/v1/media/${fileId}/download-url`, {
      token: clinic.patientUser.token,
    });
    expect(url.status, url.text).toBe(200);
    const download = await api("GET", pathOf(url.body.data.url));
    expect(download.status).toBe(200);
    room.close();
  });
});

describe("errors", () => {
  it("refuses media of another chat, of the wrong purpose, not uploaded or not the sender's, naming media_id", async () => {
    const chat = await careTeamChat(clinic);
    const other = await careTeamChat(clinic);
    const elsewhere = await upload(clinic.physio, other.id);
    const voiceFile = await upload(clinic.physio, chat.id, "voice_message", "audio/mpeg");
    const patients = await upload(clinic.patientUser, chat.id);
    const pending = await api("POST", "/api/v1/upload/generate-url", {
      token: clinic.physio.token,
      body: {
        purpose: "chat_file",
        content_type: "application/pdf",
        size_bytes: 10,
        owner: { kind: "chat", id: chat.id },
      },
    });
    for (const mediaId of [elsewhere, voiceFile, patients, pending.body.data.media_id]) {
      const res = await send(clinic.physio, chat.id, { type: "file", media_id: mediaId });
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.details.map((d: any) => d.field)).toEqual(["media_id"]);
    }
    const missing = await send(clinic.physio, chat.id, { type: "voice", media_id: voiceFile });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain("voice_seconds");
    const count = await env.DB.prepare("select count(*) as n from chat_messages where chat_id = ?")
      .bind(chat.id)
      .first<{ n: number }>();
    expect(count!.n).toBe(0);
  });
});

describe("security", () => {
  it("non-participants can neither upload to the chat nor download its files (404)", async () => {
    const chat = await careTeamChat(clinic);
    const fileId = await upload(clinic.physio, chat.id);
    expect((await send(clinic.physio, chat.id, { type: "file", media_id: fileId })).status).toBe(
      201,
    );
    for (const user of [clinic.nurse, clinic.otherPatientUser, clinic.family]) {
      const url = await api("GET", `/api/v1/media/${fileId}/download-url`, { token: user.token });
      expect(url.status, user.role).toBe(404);
      const issued = await api("POST", "/api/v1/upload/generate-url", {
        token: user.token,
        body: {
          purpose: "chat_file",
          content_type: "application/pdf",
          size_bytes: 10,
          owner: { kind: "chat", id: chat.id },
        },
      });
      expect(issued.status, user.role).toBe(404);
    }
    const outsider = await createClinic();
    const url = await api("GET", `/api/v1/media/${fileId}/download-url`, {
      token: outsider.admin.token,
    });
    expect(url.status).toBe(404);
  });
});
