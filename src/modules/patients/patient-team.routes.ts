/** `GET/POST/DELETE /patients/{id}/care-team` and `GET/POST/DELETE /patients/{id}/family-access`. */
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk, noContent, z } from "../../lib/openapi";
import { grantFamilyAccess, listFamilyAccess, revokeFamilyAccess } from "./patient-family.service";
import {
  AddCareTeamMemberInput,
  CareTeamMember,
  FamilyAccessGrant,
  FamilyMemberParams,
  GrantFamilyAccessInput,
  MemberParams,
  PatientIdParam,
} from "./patient-team.schemas";
import { addCareTeamMember, listCareTeam, removeCareTeamMember } from "./patient-team.service";

const tags = ["care team and family"];
const params = PatientIdParam;

export const patientTeamRoutes = createRouter();

patientTeamRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/api/v1/patients/{id}/care-team",
    auth: "bearer",
    tags,
    summary: "The clinicians on the patient's care team",
    request: { params },
    responses: { 200: jsonOk(z.array(CareTeamMember)) },
  }),
  async (c) => ok(c, await listCareTeam(c.var.ctx, c.req.valid("param").id), 200),
);

patientTeamRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/patients/{id}/care-team",
    auth: "bearer",
    tags,
    summary: "Add a clinician of the workspace (admin, or a clinician on the care team)",
    request: { params, ...jsonBody(AddCareTeamMemberInput) },
    responses: { 201: jsonOk(CareTeamMember, "Added") },
  }),
  async (c) =>
    ok(c, await addCareTeamMember(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 201),
);

patientTeamRoutes.openapi(
  defineRoute({
    method: "delete",
    path: "/api/v1/patients/{id}/care-team/{user_id}",
    auth: "bearer",
    tags,
    summary: "Remove a clinician from the care team (admin, or a clinician on it)",
    request: { params: MemberParams },
    responses: { 204: noContent },
  }),
  async (c) => {
    const { id, user_id } = c.req.valid("param");
    await removeCareTeamMember(c.var.ctx, id, user_id);
    return c.body(null, 204);
  },
);

patientTeamRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/api/v1/patients/{id}/family-access",
    auth: "bearer",
    tags,
    summary: "The family members the patient shares with (the patient, or an admin)",
    request: { params },
    responses: { 200: jsonOk(z.array(FamilyAccessGrant)) },
  }),
  async (c) => ok(c, await listFamilyAccess(c.var.ctx, c.req.valid("param").id), 200),
);

patientTeamRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/patients/{id}/family-access",
    auth: "bearer",
    tags,
    summary: "Share with a family member within scopes (the patient, or an admin)",
    request: { params, ...jsonBody(GrantFamilyAccessInput) },
    responses: { 201: jsonOk(FamilyAccessGrant, "Granted") },
  }),
  async (c) =>
    ok(c, await grantFamilyAccess(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 201),
);

patientTeamRoutes.openapi(
  defineRoute({
    method: "delete",
    path: "/api/v1/patients/{id}/family-access/{family_user_id}",
    auth: "bearer",
    tags,
    summary: "Revoke a family member's access (the patient, or an admin)",
    request: { params: FamilyMemberParams },
    responses: { 204: noContent },
  }),
  async (c) => {
    const { id, family_user_id } = c.req.valid("param");
    await revokeFamilyAccess(c.var.ctx, id, family_user_id);
    return c.body(null, 204);
  },
);
