import type { RouteCase } from "../suite";
import { STAFF_ROLES } from "../../../src/policy/policy";
import { uniqueSmsNumber } from "../../helpers/fixtures";

/**
 * SMS: staff send and read the log (patients and family: 403, audited). The webhooks are public
 * (Twilio holds no token): unsigned requests, as this suite sends, are refused with 403, and
 * test/sms/sms.test.ts checks the signature cases, the repeated MessageSid and the routing.
 * The workspace's sender number is an admin setting. Who may text which number (404 for a number
 * outside the caller's patients and SMS chats) is checked in test/sms/access.test.ts.
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
    method: "GET",
    path: "/api/v1/messaging/sms-number",
    allow: ["admin"],
  },
  {
    method: "PUT",
    path: "/api/v1/messaging/sms-number",
    allow: ["admin"],
    build: () => ({ body: { phone_number: uniqueSmsNumber() } }),
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
