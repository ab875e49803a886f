import type { RouteCase } from "../suite";
import { STAFF_ROLES } from "../../../src/policy/policy";

/**
 * SMS: staff send and read the log (patients and family: 403, audited). The webhooks are public
 * (Twilio holds no token): unsigned requests, as this suite sends, are refused with 403, and
 * test/sms/sms.test.ts checks the signature cases, the repeated MessageSid and the routing.
 */
export const smsCases: RouteCase[] = [
  {
    method: "POST",
    path: "/api/v1/messaging/send-sms",
    allow: STAFF_ROLES,
    patientData: true,
    build: () => ({ body: { recipient_phone: "+15550001234", message: "Security suite" } }),
  },
  {
    method: "GET",
    path: "/api/v1/messaging/sms-logs",
    allow: STAFF_ROLES,
    patientData: true,
  },
  {
    method: "POST",
    path: "/api/v1/messaging/webhook/sms",
    public: true,
    build: () => ({ body: { MessageSid: "SM0", From: "+15550001234", To: "+15005550006" } }),
  },
  {
    method: "POST",
    path: "/api/v1/messaging/webhook/sms-status",
    public: true,
    build: () => ({ body: { MessageSid: "SM0", MessageStatus: "delivered" } }),
  },
];
