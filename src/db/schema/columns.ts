/** Column helpers shared by every table: ISO-8601 UTC timestamps as text, booleans as integers. */
import { integer, text } from "drizzle-orm/sqlite-core";

export const id = () => text("id").primaryKey();
export const workspaceId = () => text("workspace_id").notNull();
export const timestamp = (name: string) => text(name);
export const flag = (name: string) => integer(name, { mode: "boolean" });
export const createdAt = () => text("created_at").notNull();
export const updatedAt = () => text("updated_at").notNull();

export const nowIso = () => new Date().toISOString();
