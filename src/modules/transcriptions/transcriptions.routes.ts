/** Transcription of recordings (issue 10): `POST /api/v1/transcriptions`, `GET …/{id}`. */
import { ok } from "../../lib/envelope";
import { createRouter, defineRoute, jsonBody, jsonOk } from "../../lib/openapi";
import { createTranscription, getTranscription } from "./transcriptions.service";
import { CreateTranscriptionInput, Transcript, TranscriptIdParam } from "./transcriptions.schemas";
import { ErrorSchema } from "../../lib/envelope";

const tags = ["transcriptions"];
export const transcriptionRoutes = createRouter();

transcriptionRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/api/v1/transcriptions",
    auth: "bearer",
    tags,
    summary:
      "Transcribe an uploaded recording (Whisper through Workers AI); the stored transcript if it exists; 503 transcription_unavailable without a model",
    request: jsonBody(CreateTranscriptionInput),
    responses: {
      200: jsonOk(Transcript, "Already transcribed: the stored transcript"),
      201: jsonOk(Transcript, "Transcribed and stored"),
      503: {
        description: "No speech-to-text model reachable (details.reason transcription_unavailable)",
        content: { "application/json": { schema: ErrorSchema } },
      },
    },
  }),
  async (c) => {
    const { transcript, created } = await createTranscription(c.var.ctx, c.req.valid("json"));
    return created ? ok(c, transcript, 201) : ok(c, transcript, 200);
  },
);

transcriptionRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/api/v1/transcriptions/{id}",
    auth: "bearer",
    tags,
    summary: "A transcript with its timed segments, for callers who may read the recording",
    request: { params: TranscriptIdParam },
    responses: { 200: jsonOk(Transcript) },
  }),
  async (c) => ok(c, await getTranscription(c.var.ctx, c.req.valid("param").id), 200),
);
