/**
 * Rows every new workspace starts with, inserted in the same batch that creates it (registration,
 * demo seed): the default exercise catalog, which admins can then edit.
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { RequestContext } from "../../middleware/request-context";
import { catalogInsertQueries } from "../exercise-types/exercise-types.catalog";

export async function workspaceSetupRows(
  ctx: RequestContext,
  workspaceId: string,
): Promise<BatchItem<"sqlite">[]> {
  return catalogInsertQueries(ctx.db.orm, workspaceId);
}
