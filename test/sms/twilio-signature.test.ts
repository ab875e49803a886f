import { describe, expect, it } from "vitest";
import { isValidTwilioSignature, twilioSignature } from "../../src/messaging/twilio-signature";

// Twilio's documented example (security docs and the helper libraries' tests).
const AUTH_TOKEN = "12345";
const URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
const PARAMS = {
  CallSid: "CA1234567890ABCDE",
  Caller: "+12349013030",
  Digits: "1234",
  From: "+12349013030",
  To: "+18005551212",
};
const EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

describe("twilio signature: happy", () => {
  it("computes Twilio's documented example", async () => {
    expect(await twilioSignature(AUTH_TOKEN, URL, PARAMS)).toBe(EXPECTED);
    expect(await isValidTwilioSignature(AUTH_TOKEN, URL, PARAMS, EXPECTED)).toBe(true);
  });
});

describe("twilio signature: errors", () => {
  it("rejects a missing, altered or other-URL signature", async () => {
    expect(await isValidTwilioSignature(AUTH_TOKEN, URL, PARAMS, null)).toBe(false);
    expect(
      await isValidTwilioSignature(AUTH_TOKEN, URL, PARAMS, "0/KCTR6DLpKmkAf8muzZqo1nDgR="),
    ).toBe(false);
    expect(await isValidTwilioSignature(AUTH_TOKEN, `${URL}&x=1`, PARAMS, EXPECTED)).toBe(false);
    expect(
      await isValidTwilioSignature(AUTH_TOKEN, URL, { ...PARAMS, Digits: "1235" }, EXPECTED),
    ).toBe(false);
  });
});

describe("twilio signature: security", () => {
  it("depends on the auth token", async () => {
    expect(await isValidTwilioSignature("other", URL, PARAMS, EXPECTED)).toBe(false);
  });
});
