/** Request and response schemas of the service catalog (seed 001, "Services"). */
import { z } from "@hono/zod-openapi";
import { PageQuery } from "../../lib/pagination";
import { ActiveFilter, CatalogName } from "../../lib/catalog";

const Duration = z
  .number()
  .int()
  .min(5)
  .max(480)
  .openapi({ description: "Default length of an appointment for this service", example: 60 });
const Description = z.string().trim().max(2000).nullable();

export const ServiceInput = z
  .object({
    name: CatalogName.openapi({ example: "Deep Tissue Massage" }),
    description: Description.optional(),
    default_duration_minutes: Duration,
    is_active: z.boolean().default(true),
  })
  .openapi("ServiceInput");
export type ServiceInput = z.infer<typeof ServiceInput>;

export const ServiceUpdate = z
  .object({
    name: CatalogName.optional(),
    description: Description.optional(),
    default_duration_minutes: Duration.optional(),
    is_active: z.boolean().optional(),
  })
  .openapi("ServiceUpdate");
export type ServiceUpdate = z.infer<typeof ServiceUpdate>;

export const Service = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    default_duration_minutes: z.number().int(),
    is_active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Service");

export const ServiceListQuery = PageQuery.extend({ is_active: ActiveFilter });
export type ServiceListQuery = z.infer<typeof ServiceListQuery>;
