/**
 * The chunk hot path: `parsePoseChunk` must accept and refuse exactly what the documented zod
 * schema (PoseChunkInput) does, naming the same fields, and the binary packing must give back
 * every frame bit for bit. Old JSON chunks must stay readable.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/lib/errors";
import { phiCipherFor } from "../../src/middleware/request-context";
import { decodeChunk, encodeChunk } from "../../src/modules/sessions/pose.binary";
import { PoseChunkInput } from "../../src/modules/sessions/pose.schemas";
import { getChunk } from "../../src/modules/sessions/pose.store";
import { parsePoseChunk } from "../../src/modules/sessions/pose.validate";
import { figure } from "./helpers";

const T0 = 1_706_630_400_000;
const frame = (i: number, extra: Record<string, unknown> = {}) => ({
  timestamp: T0 + i * 33.4,
  landmarks: figure(180 - i),
  ...extra,
});
const clone = <T>(v: T): T => structuredClone(v);

/** Fields named by the hand check, or null when it accepts. */
function handFields(body: unknown): string[] | null {
  try {
    parsePoseChunk(body);
    return null;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return (error.details as { field: string }[]).map((d) => d.field);
  }
}

const zodFields = (body: unknown) => {
  const r = PoseChunkInput.safeParse(body);
  return r.success ? null : r.error.issues.map((i) => i.path.join("."));
};

const base = () => ({ frames: [frame(0), frame(1), frame(2)] });

/** One mutation per rule; each must be refused by both, naming the same first field. */
const MUTATIONS: [string, (b: any) => void][] = [
  ["33 landmarks", (b) => b.frames[1].landmarks.pop()],
  ["landmark array", (b) => (b.frames[0].landmarks = "x")],
  ["x range", (b) => (b.frames[0].landmarks[4].x = 101)],
  ["y type", (b) => (b.frames[2].landmarks[0].y = "0.5")],
  ["z missing", (b) => delete b.frames[0].landmarks[7].z],
  ["visibility > 1", (b) => (b.frames[1].landmarks[3].visibility = 1.5)],
  ["visibility < 0", (b) => (b.frames[1].landmarks[3].visibility = -0.1)],
  ["landmark not an object", (b) => (b.frames[0].landmarks[5] = null)],
  ["timestamp missing", (b) => delete b.frames[0].timestamp],
  ["timestamp negative", (b) => (b.frames[0].timestamp = -1)],
  ["timestamp order", (b) => (b.frames[2].timestamp = b.frames[1].timestamp)],
  ["world count", (b) => (b.frames[0].world_landmarks = figure().slice(1))],
  ["world value", (b) => ((b.frames[0].world_landmarks = figure())[2]!.x = 200)],
  ["world null", (b) => (b.frames[0].world_landmarks = null)],
  ["name pattern", (b) => (b.frames[0].landmarks[0].type = "nose")],
  ["quality", (b) => (b.frames[0].quality_score = 2)],
  ["angles", (b) => (b.frames[0].angles = { knee: "90" })],
  ["issues", (b) => (b.frames[0].form_issues = "bad")],
  ["frame_size", (b) => (b.frame_size = { width: 5, height: 1280 })],
  ["chunk_index", (b) => (b.chunk_index = 1.5)],
  ["summary", (b) => (b.summary_statistics = { average_quality: 3 })],
  ["no frames", (b) => (b.frames = [])],
  ["frames not array", (b) => (b.frames = {})],
  ["frame not object", (b) => (b.frames[1] = 7)],
];

describe("happy", () => {
  it("accepts what the schema accepts and packs it losslessly", () => {
    const body = {
      frames: [
        frame(0, { world_landmarks: figure(150), quality_score: 0.9, angles: { knee: 91.5 } }),
        frame(1),
        frame(2, { form_issues: [{ type: "valgus", severity: "high" }] }),
      ],
      frame_size: { width: 720, height: 1280 },
      chunk_index: 3,
    };
    expect(zodFields(body)).toBeNull();
    const parsed = parsePoseChunk(clone(body));
    expect(parsed.frame_size).toEqual({ width: 720, height: 1280 });
    expect(parsed.chunk_index).toBe(3);
    const frames = decodeChunk(encodeChunk(parsed).buffer);
    expect(frames).toHaveLength(3);
    frames.forEach((p, i) => {
      expect(p[0]).toBe(body.frames[i]!.timestamp);
      const flat = body.frames[i]!.landmarks.flatMap((l) => [l.x, l.y, l.z, l.visibility]);
      expect(Array.from(p[1])).toEqual(flat);
    });
    expect(Array.from(frames[0]![2]!)).toEqual(
      figure(150).flatMap((l) => [l.x, l.y, l.z, l.visibility]),
    );
    expect(frames[1]![2]).toBeNull();
    expect(frames[0]![3]).toEqual({ quality_score: 0.9, angles: { knee: 91.5 } });
    expect(frames[1]![3]).toBeNull();
    expect(frames[2]![3]).toEqual({ form_issues: [{ type: "valgus", severity: "high" }] });
  });

  it("accepts BlazePose names in order and a chunk without world or client values", () => {
    const body = base();
    const names = ["NOSE", "LEFT_EYE_INNER"];
    names.forEach((type, i) => (body.frames[0]!.landmarks[i]!.type = type));
    const parsed = parsePoseChunk(body);
    expect(parsed.world).toBeNull();
    expect(parsed.client).toBeNull();
    expect(decodeChunk(encodeChunk(parsed).buffer)[2]![2]).toBeNull();
  });

  it("still reads a chunk stored in the older JSON form", async () => {
    const phi = phiCipherFor(env);
    const packed = [[T0, [0.1, 0.2, 0.3, 0.9], null, null]];
    const ref = { table: "session_pose_chunks", column: "frames", rowId: "c-old" };
    await env.MEDIA.put("pose/test/old/c-old", await phi.encrypt(JSON.stringify(packed), ref));
    const frames = await getChunk(
      { bucket: env.MEDIA, phi, db: null as never },
      "pose/test/old/c-old",
      "c-old",
    );
    expect(frames).toEqual(packed);
  });
});

describe("errors", () => {
  for (const [name, mutate] of MUTATIONS) {
    it(`refuses like the schema: ${name}`, () => {
      const body = base();
      mutate(body);
      const zod = zodFields(clone(body));
      const hand = handFields(clone(body));
      expect(zod).not.toBeNull();
      expect(hand).not.toBeNull();
      expect(hand).toContain(zod![0]);
    });
  }

  it("refuses a landmark named out of BlazePose order (the schema cannot tell)", () => {
    const body = base();
    body.frames[0]!.landmarks[25]!.type = "RIGHT_KNEE";
    expect(handFields(body)).toEqual(["frames.0.landmarks.25.type"]);
  });

  it("names at most 20 fields however bad the body", () => {
    const body = { frames: Array.from({ length: 100 }, (_, i) => frame(i)) };
    for (const f of body.frames) for (const l of f.landmarks) l.visibility = 7;
    expect(handFields(body)).toHaveLength(20);
  });
});

describe("security", () => {
  it("never echoes values in its messages", () => {
    const body = base();
    (body.frames[0]!.landmarks[0] as any).x = "Jane Doe 1980-01-01";
    try {
      parsePoseChunk(body);
      expect.unreachable();
    } catch (error) {
      expect(JSON.stringify((error as ValidationError).details)).not.toContain("Jane");
    }
  });
});
