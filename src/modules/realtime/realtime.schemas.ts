/** Request schemas of the realtime routes; the socket's messages are in party/user-stream.schemas.ts. */
import { z } from "../../lib/openapi";

export const WsQuery = z.object({
  token: z
    .string()
    .max(4096)
    .optional()
    .openapi({
      param: { name: "token", in: "query" },
      description: "The access token (alternative to the Authorization header)",
    }),
});
export type WsQuery = z.infer<typeof WsQuery>;
