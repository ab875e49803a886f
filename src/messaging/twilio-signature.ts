/**
 * Twilio request validation, per Twilio's documented algorithm: take the full URL Twilio called
 * (the configured public URL, query included), append each POST parameter's name and value
 * sorted by name, HMAC-SHA1 it with the account's auth token, base64; compare with
 * `X-Twilio-Signature` in constant time.
 */
const encoder = new TextEncoder();

export async function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
): Promise<string> {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join("");
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(authToken),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(data)));
  let binary = "";
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export async function isValidTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  signature: string | null | undefined,
): Promise<boolean> {
  if (!signature) return false;
  const expected = encoder.encode(await twilioSignature(authToken, url, params));
  const given = encoder.encode(signature);
  if (expected.byteLength !== given.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < expected.byteLength; i++) diff |= expected[i]! ^ given[i]!;
  return diff === 0;
}
