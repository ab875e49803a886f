/** Request schemas of the realtime routes; the socket's messages are in src/realtime/user-stream.schemas.ts. */
import { DeviceId } from "../../realtime/user-stream.schemas";
import { z } from "../../lib/openapi";

export const WsQuery = z.object({
  token: z
    .string()
    .max(4096)
    .optional()
    .openapi({
      param: { name: "token", in: "query" },
      description:
        "The access token (alternatives: `Authorization: Bearer`, or the subprotocol `bearer.<token>`)",
    }),
  since: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .openapi({
      param: { name: "since", in: "query" },
      description: "The last `seq` this client processed: later events are replayed first",
    }),
  device_id: DeviceId.optional().openapi({
    param: { name: "device_id", in: "query" },
    description: "The device whose delivery cursor `ack` moves; without `since`, resume from it",
  }),
});
export type WsQuery = z.infer<typeof WsQuery>;
