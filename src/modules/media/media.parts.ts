/** Part arithmetic of multipart uploads: every part is `part_size` bytes except the last. */
import type { MediaObjectRow } from "../../db/schema/media";
import { ValidationError } from "../../lib/errors";

export const partCountOf = (sizeBytes: number, partSize: number) =>
  Math.max(1, Math.ceil(sizeBytes / partSize));

/** The exact size part `n` must have; 422 for a part number outside the upload. */
export function expectedPartSize(
  row: Pick<MediaObjectRow, "maxBytes" | "partSize">,
  n: number,
): number {
  const partSize = row.partSize ?? row.maxBytes;
  const count = partCountOf(row.maxBytes, partSize);
  if (!Number.isInteger(n) || n < 1 || n > count) {
    throw new ValidationError([{ field: "part_number", message: `Between 1 and ${count}` }]);
  }
  return n < count ? partSize : row.maxBytes - partSize * (count - 1);
}
