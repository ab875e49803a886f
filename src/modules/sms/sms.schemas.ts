/** SMS (seed 002 §2.9, §4.3): requests, Twilio's webhook parameters and the log entry. */
import { z } from "@hono/zod-openapi";
import { SMS_STATUSES } from "../../db/schema/sms";
import { PageQuery } from "../../lib/pagination";

/** E.164: what Twilio accepts and sends (`+` and up to 15 digits). */
export const PhoneNumber = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, "Must be an E.164 phone number such as +14155550100");

/** One SMS segment set: Twilio refuses bodies over 1600 characters. */
const SmsBody = z.string().trim().min(1).max(1600);

export const SendSmsInput = z
  .object({
    recipient_phone: PhoneNumber.optional().openapi({
      description: "Defaults to the SMS chat's number when chat_id is given",
      example: "+14155550100",
    }),
    message: SmsBody,
    patient_id: z.string().min(1).max(64).optional(),
    chat_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "An SMS chat the caller takes part in; replies land there" }),
    client_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "Makes a retry return the first message (or send Idempotency-Key)" }),
  })
  .openapi("SendSmsInput");
export type SendSmsInput = z.infer<typeof SendSmsInput>;

export const SmsNumberInput = z
  .object({
    phone_number: PhoneNumber.nullable().openapi({
      description: "The workspace's own Twilio sender number (E.164); null releases it",
      example: "+14155550100",
    }),
  })
  .openapi("SmsNumberInput");
export type SmsNumberInput = z.infer<typeof SmsNumberInput>;

export const SmsNumber = z
  .object({ phone_number: z.string().nullable(), updated_at: z.string().nullable() })
  .openapi("SmsNumber");

export const SmsLog = z
  .object({
    id: z.string(),
    direction: z.enum(["outbound", "inbound"]),
    from: z.string(),
    to: z.string(),
    message: z.string(),
    status: z.enum(SMS_STATUSES),
    patient_id: z.string().nullable(),
    chat_id: z.string().nullable(),
    sender_id: z.string().nullable(),
    provider_sid: z.string().nullable(),
    error_code: z.string().nullable(),
    sent_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("SmsLog");
export type SmsLog = z.infer<typeof SmsLog>;

export const SentSms = SmsLog.extend({ replayed: z.boolean() }).openapi("SentSms");

export const SmsLogQuery = PageQuery.extend({
  phone: PhoneNumber.optional(),
  patient_id: z.string().min(1).max(64).optional(),
  direction: z.enum(["outbound", "inbound"]).optional(),
  status: z.enum(SMS_STATUSES).optional(),
  from: z.iso.datetime().optional().openapi({ description: "Created at or after (ISO-8601)" }),
  to: z.iso.datetime().optional().openapi({ description: "Created before (ISO-8601)" }),
});
export type SmsLogQuery = z.infer<typeof SmsLogQuery>;

/** Twilio's message SIDs: SM (SMS) or MM (MMS) and 32 hex digits. */
const MessageSid = z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, "Not a Twilio message SID");

/** The parameters of Twilio's incoming-message webhook that we use (others are ignored). */
export const InboundSmsParams = z.object({
  MessageSid,
  From: PhoneNumber,
  To: z.string().min(1).max(32),
  Body: z.string().max(1600).default(""),
});

/** The parameters of a status callback that we use. */
export const SmsStatusParams = z.object({
  MessageSid,
  MessageStatus: z.string().min(1).max(32),
  ErrorCode: z
    .string()
    .max(16)
    .optional()
    .transform((v) => v || undefined),
});

/** Documents the form body Twilio posts (validated against the signature first, then parsed). */
export const TwilioWebhookForm = z
  .record(z.string(), z.string())
  .openapi("TwilioWebhookForm", { description: "Twilio's form parameters" });
