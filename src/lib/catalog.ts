/**
 * Shared by the service and location catalogs: case-insensitive name keys, the duplicate-name
 * error, and the `is_active` query filter (a string in a query, so not `z.coerce.boolean()`,
 * which reads "false" as true).
 */
import { z } from "@hono/zod-openapi";
import { ConflictError } from "./errors";

/** The key a catalog name is unique by: NFKC, trimmed, lower-cased, inner spaces collapsed. */
export const catalogNameKey = (name: string) =>
  name.normalize("NFKC").trim().toLowerCase().replace(/\s+/g, " ");

export const duplicateName = (what: string) =>
  new ConflictError(
    `A ${what} with this name already exists`,
    [{ field: "name", message: "Already in use in this workspace" }],
    "DUPLICATE_ENTRY",
  );

export const ActiveFilter = z
  .enum(["true", "false"])
  .default("true")
  .openapi({ description: "Filter by active status (default true)" });

export const CatalogName = z.string().trim().min(1).max(200);
