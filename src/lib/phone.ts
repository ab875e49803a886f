/**
 * Phone numbers as the SMS routing and the send check compare them.
 *
 * Invariant: one normal form (the `+` and digits, separators dropped) and one blind-index purpose
 * for every stored number (SMS log, patient records), so a patient's number, an SMS to it and a
 * reply from it all carry the same index. An E.164 number is its own normal form, so indexes
 * written before separators were dropped stay valid.
 */
import type { PhiCipher } from "./crypto/phi";

const E164 = /^\+[1-9]\d{6,14}$/;

/** `+1 (415) 555-0100` → `+14155550100`; anything but a leading `+` and digits is dropped. */
export const normalisePhone = (phone: string) => {
  const trimmed = phone.trim();
  return (trimmed.startsWith("+") ? "+" : "") + trimmed.replace(/\D/g, "");
};

/** Whether the number, once normalised, is one Twilio can text (E.164). */
export const isE164 = (phone: string) => E164.test(normalisePhone(phone));

const PHONE_PURPOSE = "sms_phone";

/** The keyed blind index of a phone number's normal form. */
export const phoneIndexOf = (phi: PhiCipher, phone: string) =>
  phi.blindIndex(PHONE_PURPOSE, normalisePhone(phone));
