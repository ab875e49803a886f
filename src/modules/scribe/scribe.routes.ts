/** The AI scribe (seed 002 §2.7): `POST /scribe/generate-note`, `POST /scribe/summarize-call`. */
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk } from "../../lib/openapi";
import {
  CallSummary,
  GeneratedNote,
  GenerateNoteInput,
  GeneratedSuggestions,
  GenerateSuggestionsInput,
  JobIdParam,
  ScribeJob,
  SummarizeCallInput,
} from "./scribe.schemas";
import { ASYNC_SOURCE_CHARS, enqueueNoteJob, getScribeJob, sourceChars } from "./scribe.jobs";
import { generateNote, summarizeCall } from "./scribe.service";
import { withConversation } from "./scribe.sources";
import { generateSuggestions } from "./scribe.suggestions";

const tags = ["scribe"];
export const scribeRoutes = createRouter();

scribeRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/scribe/generate-note",
    auth: "bearer",
    tags,
    summary:
      "Draft a note from pasted text, segments, a transcript, or a chat_id (its messages, optionally from/to) or call_id (its stored transcript) read with the caller's access; every sentence cites its sources (message or span ids), unsupported ones are flagged, not kept",
    request: jsonBody(GenerateNoteInput),
    responses: {
      201: jsonOk(GeneratedNote, "A stored draft note"),
      202: jsonOk(ScribeJob, "Queued (async: true or a long source): poll GET /scribe/jobs/{id}"),
    },
  }),
  async (c) => {
    const input = await withConversation(c.var.ctx, c.req.valid("json"));
    if (input.async || sourceChars(input) > ASYNC_SOURCE_CHARS)
      return ok(c, await enqueueNoteJob(c.var.ctx, input), 202);
    return ok(c, await generateNote(c.var.ctx, input), 201);
  },
);

scribeRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/api/v1/scribe/jobs/{id}",
    auth: "bearer",
    tags,
    summary: "A scribe job's status and, once succeeded, its result (its author only)",
    request: { params: JobIdParam },
    responses: { 200: jsonOk(ScribeJob) },
  }),
  async (c) => ok(c, await getScribeJob(c.var.ctx, c.req.valid("param").id), 200),
);

scribeRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/scribe/summarize-call",
    auth: "bearer",
    tags,
    summary: "Summarize a call transcript given as segments; key points cite their spans",
    request: jsonBody(SummarizeCallInput),
    responses: { 200: jsonOk(CallSummary) },
  }),
  async (c) => ok(c, await summarizeCall(c.var.ctx, c.req.valid("json")), 200),
);

scribeRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/scribe/generate-suggestions",
    auth: "bearer",
    tags,
    summary:
      "Suggestions for an existing note from a source (text, segments, a transcript), stored as the note's suggestions; each cites its sources, unsupported ones are flagged",
    request: jsonBody(GenerateSuggestionsInput),
    responses: { 201: jsonOk(GeneratedSuggestions, "The stored suggestions") },
  }),
  async (c) => ok(c, await generateSuggestions(c.var.ctx, c.req.valid("json")), 201),
);
