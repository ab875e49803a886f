/** `GET /templates` and `GET /consultation-types` (seed 002 §2.10). */
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonOk, z } from "../../lib/openapi";
import { ConsultationType, NoteTemplate } from "./templates.schemas";
import { listConsultationTypes, listTemplates } from "./templates.service";

const tags = ["templates"];
const TEMPLATES = "/api/v1/templates";
const CONSULTATION_TYPES = "/api/v1/consultation-types";

const templatesRoute = defineRoute({
  method: "get",
  path: TEMPLATES,
  auth: "bearer",
  tags,
  summary: "Clinical note templates with their sections",
  responses: { 200: jsonOk(z.array(NoteTemplate)) },
});

const consultationTypesRoute = defineRoute({
  method: "get",
  path: CONSULTATION_TYPES,
  auth: "bearer",
  tags,
  summary: "Consultation types and the context each gives the AI scribe",
  responses: { 200: jsonOk(z.array(ConsultationType)) },
});

export const templateRoutes = createRouter();

templateRoutes.openapi(templatesRoute, async (c) => ok(c, await listTemplates(c.var.ctx), 200));

templateRoutes.openapi(consultationTypesRoute, async (c) =>
  ok(c, await listConsultationTypes(c.var.ctx), 200),
);
