/** Shared helpers of the chat tests: creating chats, sending messages, opening chat sockets. */
import { expect } from "vitest";
import type { Clinic, TestUser } from "../helpers/fixtures";
import { api } from "../helpers/http";
import { upgrade, wrapSocket, type TestSocket } from "../realtime/socket";

let n = 0;
export const clientId = () => `cm-${Date.now().toString(36)}-${++n}-abcdef`;

/** A Care Team chat of `clinic.patient`, created by the physio, with the patient in it. */
export async function careTeamChat(clinic: Clinic, extra: string[] = []) {
  const res = await api("POST", "/api/v1/chats", {
    token: clinic.physio.token,
    body: {
      name: "Care Team - knee rehab",
      type: "Care Team",
      patient_id: clinic.patient.id,
      participant_ids: [clinic.patientUser.id, ...extra],
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string };
}

/** A Family Update chat of `clinic.patient` with the patient and the family member. */
export async function familyChat(clinic: Clinic) {
  const res = await api("POST", "/api/v1/chats", {
    token: clinic.physio.token,
    body: {
      name: "Family update",
      type: "Family Update",
      patient_id: clinic.patient.id,
      participant_ids: [clinic.patientUser.id, clinic.family.id],
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string };
}

export async function sendText(user: TestUser, chatId: string, content: string, id = clientId()) {
  return api("POST", `/api/v1/chats/${chatId}/messages`, {
    token: user.token,
    body: { type: "text", content, client_message_id: id },
  });
}

/** Opens a chat socket and waits for `ready`. */
export async function openChat(user: TestUser, chatId: string): Promise<TestSocket> {
  const res = await upgrade(`/api/v1/chats/${chatId}/ws`, {
    "sec-websocket-protocol": `rehab.v1, bearer.${user.token}`,
  });
  if (res.status !== 101) throw new Error(`expected 101, got ${res.status}: ${await res.text()}`);
  const socket = wrapSocket(res.webSocket!);
  expect((await socket.next()).event).toBe("ready");
  return socket;
}
