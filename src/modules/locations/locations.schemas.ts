/** Request and response schemas of the location catalog (seed 001, "Locations"). */
import { z } from "@hono/zod-openapi";
import { LOCATION_TYPES } from "../../db/schema/scheduling";
import { PageQuery } from "../../lib/pagination";
import { ActiveFilter, CatalogName } from "../../lib/catalog";

/** Clinic and home visits happen at an address; an online location needs none. */
export const needsAddress = (type: string) => type === "clinic" || type === "home";
export const ADDRESS_REQUIRED = "An address is required for clinic and home locations";

const Address = z.string().trim().min(1).max(500).nullable();
const Details = z.string().trim().max(2000).nullable();

export const LocationInput = z
  .object({
    name: CatalogName.openapi({ example: "Main Clinic" }),
    location_type: z.enum(LOCATION_TYPES),
    address: Address.optional().openapi({
      description: "Required for clinic and home; stored encrypted",
      example: "123 Therapy Lane, Suite 200, Toronto, ON M5H 2N2",
    }),
    details: Details.optional().openapi({ example: "Ground floor, free parking in back" }),
    is_active: z.boolean().default(true),
  })
  .refine((v) => !needsAddress(v.location_type) || !!v.address, {
    message: ADDRESS_REQUIRED,
    path: ["address"],
  })
  .openapi("LocationInput");
export type LocationInput = z.infer<typeof LocationInput>;

export const LocationUpdate = z
  .object({
    name: CatalogName.optional(),
    location_type: z.enum(LOCATION_TYPES).optional(),
    address: Address.optional(),
    details: Details.optional(),
    is_active: z.boolean().optional(),
  })
  .openapi("LocationUpdate");
export type LocationUpdate = z.infer<typeof LocationUpdate>;

export const Location = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    name: z.string(),
    location_type: z.enum(LOCATION_TYPES),
    address: z.string().nullable(),
    details: z.string().nullable(),
    is_active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Location");

export const LocationListQuery = PageQuery.extend({
  is_active: ActiveFilter,
  location_type: z.enum(LOCATION_TYPES).optional(),
});
export type LocationListQuery = z.infer<typeof LocationListQuery>;
