/** Request and response schemas of invitations (seed 001, seed 002): who is invited, as what. */
import { z } from "@hono/zod-openapi";
import { ROLES } from "../../db/schema/users";
import { PageQuery } from "../../lib/pagination";
import { Email } from "../auth/auth.schemas";

const FOLLOWS_A_PATIENT = ["patient", "family"] as const;
export const INVITE_STATUSES = ["pending", "accepted", "expired"] as const;

export const CreateInviteInput = z
  .object({
    email: Email,
    name: z.string().trim().min(1).max(200).optional(),
    role: z.enum(ROLES),
    patient_id: z.uuid().optional().openapi({
      description:
        "Required for role patient (the record the account becomes) and family (the patient followed)",
    }),
  })
  .superRefine((v, ctx) => {
    const follows = (FOLLOWS_A_PATIENT as readonly string[]).includes(v.role);
    if (follows && !v.patient_id) {
      ctx.addIssue({
        code: "custom",
        path: ["patient_id"],
        message: `Required for role ${v.role}`,
      });
    }
    if (!follows && v.patient_id) {
      ctx.addIssue({ code: "custom", path: ["patient_id"], message: "Only for patient or family" });
    }
  })
  .openapi("CreateInviteInput");
export type CreateInviteInput = z.infer<typeof CreateInviteInput>;

export const Invite = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(ROLES),
    patient_id: z.string().nullable(),
    status: z.enum(INVITE_STATUSES),
    invited_by: z.string(),
    created_at: z.string(),
    expires_at: z.string(),
    accepted_at: z.string().nullable(),
  })
  .openapi("Invite");

export const ListInvitesQuery = PageQuery.extend({
  status: z
    .enum(INVITE_STATUSES)
    .optional()
    .openapi({ param: { name: "status", in: "query" } }),
});
export type ListInvitesQuery = z.infer<typeof ListInvitesQuery>;
