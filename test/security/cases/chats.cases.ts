import type { RouteCase } from "../suite";
import { ALL_ROLES, STAFF_ROLES } from "../../../src/policy/policy";
import type { Clinic } from "../../helpers/fixtures";
import { api } from "../../helpers/http";

/**
 * A Family Update chat of clinic.patient created by the physio (its admin), with the patient,
 * the family member (chat scope) and, unless `withAdmin` is false, the workspace admin.
 * Doctor and nurse are outside it: 404.
 */
async function chat(c: Clinic, withAdmin = true) {
  const res = await api("POST", "/api/v1/chats", {
    token: c.physio.token,
    body: {
      name: "Family update",
      type: "Family Update",
      patient_id: c.patient.id,
      participant_ids: [c.patientUser.id, c.family.id, ...(withAdmin ? [c.admin.id] : [])],
    },
  });
  if (res.status !== 201) throw new Error(res.text);
  return res.body.data.id as string;
}

async function message(c: Clinic) {
  const id = await chat(c);
  const res = await api("POST", `/api/v1/chats/${id}/messages`, {
    token: c.physio.token,
    body: { type: "text", content: "Session went well" },
  });
  if (res.status !== 201) throw new Error(res.text);
  return res.body.data.id as string;
}

const outside = { doctor: 404, nurse: 404 } as const;
const members = ["admin", "physiotherapist", "patient", "family"] as const;
const onlyPhysio = { admin: 403, patient: 403, family: 403, ...outside } as const;
/**
 * Members who are not the chat's admin (nor, for messages, the sender) get the 404 of an unknown
 * id; roles that can never be a chat admin (patient, family) are refused on the role first (403).
 */
const notChatAdmin = { ...onlyPhysio, admin: 404 } as const;
const notSender = { ...outside, admin: 404, patient: 404, family: 404 } as const;

export const chatsCases: RouteCase[] = [
  {
    method: "POST",
    path: "/api/v1/chats",
    allow: STAFF_ROLES,
    patientData: true,
    build: (c) => ({
      body: { name: "Staff room", type: "Internal Staff", participant_ids: [c.nurse.id] },
    }),
  },
  { method: "GET", path: "/api/v1/chats", allow: [...ALL_ROLES] },
  {
    method: "GET",
    path: "/api/v1/chats/{id}",
    allow: members,
    deny: outside,
    patientData: true,
    build: async (c) => ({ params: { id: await chat(c) } }),
  },
  {
    method: "PUT",
    path: "/api/v1/chats/{id}",
    allow: members,
    deny: outside,
    patientData: true,
    build: async (c) => ({ params: { id: await chat(c) }, body: { is_pinned: true } }),
  },
  {
    method: "POST",
    path: "/api/v1/chats/{id}/pin",
    allow: members,
    deny: outside,
    patientData: true,
    build: async (c) => ({ params: { id: await chat(c) } }),
  },
  {
    method: "POST",
    path: "/api/v1/chats/{id}/participants",
    allow: ["physiotherapist"],
    deny: notChatAdmin,
    patientData: true,
    build: async (c) => ({ params: { id: await chat(c, false) }, body: { user_id: c.admin.id } }),
  },
  {
    method: "DELETE",
    path: "/api/v1/chats/{id}/participants/{user_id}",
    allow: ["physiotherapist", "patient"],
    deny: notChatAdmin,
    patientData: true,
    build: async (c) => ({ params: { id: await chat(c), user_id: c.patientUser.id } }),
  },
  {
    method: "DELETE",
    path: "/api/v1/chats/{id}",
    allow: ["physiotherapist"],
    deny: notChatAdmin,
    patientData: true,
    build: async (c) => ({ params: { id: await chat(c) } }),
  },
  {
    method: "POST",
    path: "/api/v1/chats/{id}/messages",
    allow: members,
    deny: outside,
    patientData: true,
    build: async (c) => ({
      params: { id: await chat(c) },
      body: { type: "text", content: "How are the exercises going?" },
    }),
  },
  {
    method: "POST",
    path: "/api/v1/chats/{id}/messages/read-all",
    allow: members,
    deny: outside,
    patientData: true,
    build: async (c) => ({ params: { id: await chat(c) } }),
  },
  {
    method: "GET",
    path: "/api/v1/messages/{id}",
    allow: members,
    deny: outside,
    patientData: true,
    build: async (c) => ({ params: { id: await message(c) } }),
  },
  {
    method: "PUT",
    path: "/api/v1/messages/{id}",
    allow: ["physiotherapist"],
    deny: notSender,
    patientData: true,
    build: async (c) => ({ params: { id: await message(c) }, body: { content: "Edited" } }),
  },
  {
    method: "DELETE",
    path: "/api/v1/messages/{id}",
    allow: ["physiotherapist"],
    deny: notSender,
    patientData: true,
    build: async (c) => ({ params: { id: await message(c) } }),
  },
  {
    method: "POST",
    path: "/api/v1/messages/{id}/read",
    allow: members,
    deny: outside,
    patientData: true,
    build: async (c) => ({ params: { id: await message(c) } }),
  },
  {
    method: "POST",
    path: "/api/v1/messages/{id}/transcribe",
    allow: members,
    deny: outside,
    patientData: true,
    build: async (c) => ({ params: { id: await message(c) } }),
  },
  { method: "GET", path: "/api/v1/chats/{id}/ws", skip: "socket: covered by test/chats" },
];
