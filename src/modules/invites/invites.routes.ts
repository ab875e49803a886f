/** `POST /invites` and `GET /invites`: staff invite colleagues, patients and family by email. */
import { ok, okList } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonList, jsonOk } from "../../lib/openapi";
import { paginationOf } from "../../lib/pagination";
import { CreateInviteInput, Invite, ListInvitesQuery } from "./invites.schemas";
import { createInvite, listInvites } from "./invites.service";

const tags = ["invitations"];

const createRoute = defineRoute({
  method: "post",
  path: "/api/v1/invites",
  auth: "bearer",
  tags,
  summary: "Invite someone by email; the emailed link creates their account (valid 7 days)",
  description:
    "Admins invite any role. Clinicians invite a patient (patient_id of a record on their care team) or a family member of such a patient. An existing account with the email answers 409; a patient of another workspace 404.",
  request: jsonBody(CreateInviteInput),
  responses: { 201: jsonOk(Invite, "Invitation created and emailed") },
});

const listRoute = defineRoute({
  method: "get",
  path: "/api/v1/invites",
  auth: "bearer",
  tags,
  summary: "Invitations of this workspace (admin: all; clinicians: the ones they sent)",
  request: { query: ListInvitesQuery },
  responses: { 200: jsonList(Invite) },
});

export const invitesRoutes = createRouter();

invitesRoutes.openapi(createRoute, async (c) =>
  ok(c, await createInvite(c.var.ctx, c.req.valid("json")), 201),
);

invitesRoutes.openapi(listRoute, async (c) => {
  const query = c.req.valid("query");
  const { items, total } = await listInvites(c.var.ctx, query);
  return okList(c, items, paginationOf(query, total));
});
