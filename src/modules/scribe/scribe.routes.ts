/** The AI scribe (seed 002 §2.7): `POST /scribe/generate-note`, `POST /scribe/summarize-call`. */
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk } from "../../lib/openapi";
import { requireAuth } from "../../middleware/auth";
import {
  CallSummary,
  GeneratedNote,
  GenerateNoteInput,
  SummarizeCallInput,
} from "./scribe.schemas";
import { generateNote, summarizeCall } from "./scribe.service";

const tags = ["scribe"];
export const scribeRoutes = createRouter();
scribeRoutes.use("/api/v1/scribe/*", requireAuth());

scribeRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/scribe/generate-note",
    tags,
    summary:
      "Draft a note from pasted text or segments (chat messages, call transcript); every sentence cites its sources, unsupported ones are flagged, not kept",
    request: jsonBody(GenerateNoteInput),
    responses: { 201: jsonOk(GeneratedNote, "A stored draft note") },
  }),
  async (c) => ok(c, await generateNote(c.var.ctx, c.req.valid("json")), 201),
);

scribeRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/scribe/summarize-call",
    tags,
    summary: "Summarize a call transcript given as segments; key points cite their spans",
    request: jsonBody(SummarizeCallInput),
    responses: { 200: jsonOk(CallSummary) },
  }),
  async (c) => ok(c, await summarizeCall(c.var.ctx, c.req.valid("json")), 200),
);
