/** Base64 image payloads (REST JSON and socket frames): plain or a data: URL, either alphabet. */
import { ValidationError } from "../../lib/errors";

export function fromBase64(text: string, field = "image"): Uint8Array {
  const data = text
    .replace(/^data:image\/[a-z+]+;base64,/, "")
    .replace(/-/g, "+")
    .replace(/_/g, "/");
  try {
    return Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0));
  } catch {
    throw new ValidationError([{ field, message: "Not valid base64" }]);
  }
}
