import type { RouteCase } from "../suite";
import { STAFF_ROLES } from "../../../src/policy/policy";
import type { Clinic } from "../../helpers/fixtures";
import { api } from "../../helpers/http";

/** A video call from the physio (on the patient's care team) to the patient user, ringing. */
async function call(c: Clinic) {
  const res = await api("POST", "/api/v1/calls/initiate", {
    token: c.physio.token,
    body: { recipient_id: c.patientUser.id, call_type: "video" },
  });
  if (res.status !== 201) throw new Error(res.text);
  return res.body.data.id as string;
}

/** Staff not on the call get the 404 of an unknown id; family never take part (403). */
const notOnCall = { admin: 404, doctor: 404, nurse: 404 } as const;
const participants = ["physiotherapist", "patient"] as const;

const onCall = (method: "GET" | "POST", suffix: string): RouteCase => ({
  method,
  path: `/api/v1/calls/{id}${suffix}`,
  allow: participants,
  deny: notOnCall,
  patientData: true,
  build: async (c) => ({ params: { id: await call(c) } }),
});

export const callsCases: RouteCase[] = [
  {
    method: "POST",
    path: "/api/v1/calls/initiate",
    allow: [...STAFF_ROLES, "patient"],
    build: (c) => ({ body: { recipient_id: c.nurse.id, call_type: "voice" } }),
  },
  onCall("GET", ""),
  onCall("POST", "/answer"),
  onCall("POST", "/decline"),
  onCall("POST", "/end"),
  {
    method: "POST",
    path: "/api/v1/calls/{id}/record",
    allow: ["physiotherapist"],
    deny: notOnCall,
    patientData: true,
    build: async (c) => ({ params: { id: await call(c) }, body: { action: "start" } }),
  },
  onCall("POST", "/transcribe"),
  { method: "GET", path: "/api/v1/call-logs", allow: [...STAFF_ROLES, "patient"] },
  {
    method: "GET",
    path: "/parties/call/{call_id}",
    skip: "socket: no token, non-participant, other workspace, family, declined line in test/calls/call-room.test.ts",
  },
];
