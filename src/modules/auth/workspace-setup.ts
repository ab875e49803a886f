/**
 * Rows every new workspace starts with (inserted in the registration batch): today nothing beyond
 * the workspace itself; the exercise catalog joins here once it lands.
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { RequestContext } from "../../middleware/request-context";

export async function workspaceSetupRows(
  _ctx: RequestContext,
  _workspaceId: string,
): Promise<BatchItem<"sqlite">[]> {
  return [];
}
