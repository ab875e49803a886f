/** Messages on the JOBS queue, checked at runtime by the consumer. */
import { z } from "zod";

export const JobMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("deliver_message"), message_id: z.string() }),
  z.object({ type: z.literal("seal_audit"), workspace_id: z.string().nullable() }),
]);
export type JobMessage = z.infer<typeof JobMessage>;
