/** Response schemas of note templates and consultation types (seed 002 §2.10). */
import { z } from "@hono/zod-openapi";

export const TemplateSection = z
  .object({
    id: z.string(),
    label: z.string(),
    full_name: z.string(),
    required: z.boolean(),
    prompt_hint: z.string(),
  })
  .openapi("TemplateSection");

export const NoteTemplate = z
  .object({
    id: z.string().openapi({ example: "soap" }),
    name: z.string(),
    description: z.string(),
    specialty: z.string(),
    sections: z.array(TemplateSection),
  })
  .openapi("NoteTemplate");

export const ConsultationType = z
  .object({
    id: z.string().openapi({ example: "initial_consultation" }),
    name: z.string(),
    description: z.string(),
    default_template: z.string(),
    ai_context_modifier: z.string(),
  })
  .openapi("ConsultationType");
