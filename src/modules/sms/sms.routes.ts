/**
 * SMS through Twilio (seed 002 §2.9): send, the log, and Twilio's two webhooks. The webhooks are
 * public (Twilio holds no token); their X-Twilio-Signature is what authenticates them.
 */
import { ok, okList } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonList, jsonOk } from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import { SMS_STATUS_PATH, SMS_WEBHOOK_PATH } from "./sms.delivery";
import {
  SendSmsInput,
  SentSms,
  SmsLog,
  SmsLogQuery,
  SmsNumber,
  SmsNumberInput,
  TwilioWebhookForm,
} from "./sms.schemas";
import { getSmsNumber, setSmsNumber } from "./sms.number";
import { listSmsLogs, sendSms } from "./sms.service";
import { receiveSms, receiveSmsStatus, type WebhookRequest } from "./sms.webhook";

const tags = ["sms"];
export const smsRoutes = createRouter();

smsRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/messaging/send-sms",
    auth: "bearer",
    tags,
    summary:
      "Send an SMS to a patient's number, a patient or an SMS chat the caller may reach now (404 otherwise), from the workspace's own number: stored, then sent through Twilio (or held in the development outbox); 429 past the per-user or per-workspace limit; Idempotency-Key or client_id make a retry return the first",
    request: jsonBody(SendSmsInput),
    responses: { 201: jsonOk(SentSms, "The stored SMS (status queued)") },
  }),
  async (c) =>
    ok(c, await sendSms(c.var.ctx, c.req.valid("json"), c.req.header("idempotency-key")), 201),
);

smsRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/api/v1/messaging/sms-logs",
    auth: "bearer",
    tags,
    summary:
      "SMS sent and received, newest first; filter by phone, patient, direction, status, dates",
    request: { query: SmsLogQuery },
    responses: { 200: jsonList(SmsLog) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { items, total } = await listSmsLogs(c.var.ctx, query);
    return okList(c, items, paginationOf(query, total));
  },
);

smsRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/api/v1/messaging/sms-number",
    auth: "bearer",
    tags,
    summary: "The workspace's own SMS sender number (admins)",
    responses: { 200: jsonOk(SmsNumber, "The number, or null when none is set") },
  }),
  async (c) => ok(c, await getSmsNumber(c.var.ctx), 200),
);

smsRoutes.openapi(
  defineRoute({
    method: "put",
    path: "/api/v1/messaging/sms-number",
    auth: "bearer",
    tags,
    summary:
      "Set the workspace's own SMS sender number (admins; E.164; 409 when another workspace has it): its SMS go out from it and replies to it come back here only",
    request: jsonBody(SmsNumberInput),
    responses: { 200: jsonOk(SmsNumber, "The number set") },
  }),
  async (c) => ok(c, await setSmsNumber(c.var.ctx, c.req.valid("json")), 200),
);

const twiml = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
const formBody = {
  body: {
    required: true,
    description: "Twilio's form parameters, signed with X-Twilio-Signature",
    content: { "application/x-www-form-urlencoded": { schema: TwilioWebhookForm } },
  },
};

/** The signed parts of a webhook request: form parameters, signature, the query Twilio called. */
const webhookRequest = (
  params: Record<string, string>,
  req: { header(name: string): string | undefined; url: string },
): WebhookRequest => ({
  params,
  signature: req.header("x-twilio-signature") ?? null,
  search: new URL(req.url).search,
});

smsRoutes.openapi(
  defineRoute({
    method: "post",
    path: SMS_WEBHOOK_PATH,
    tags,
    auth: "public",
    summary:
      "Twilio's incoming-SMS webhook: signature checked (403 otherwise), a repeated MessageSid stored once, the SMS lands in the patient's SMS chat",
    request: formBody,
    responses: {
      200: { description: "Empty TwiML", content: { "text/xml": { schema: { type: "string" } } } },
    },
  }),
  async (c) => {
    await receiveSms(c.var.ctx, webhookRequest(c.req.valid("form"), c.req));
    return c.body(twiml, 200, { "content-type": "text/xml; charset=utf-8" });
  },
);

smsRoutes.openapi(
  defineRoute({
    method: "post",
    path: SMS_STATUS_PATH,
    tags,
    auth: "public",
    summary: "Twilio's delivery status callback: signature checked, statuses only move forward",
    request: formBody,
    responses: { 204: { description: "Applied (or nothing to change)" } },
  }),
  async (c) => {
    await receiveSmsStatus(c.var.ctx, webhookRequest(c.req.valid("form"), c.req));
    return c.body(null, 204);
  },
);
