/**
 * The live room packs frames as they arrive (party/live-pack.ts) and hands the storage verb the
 * chunk directly: it must be exactly what the verb's own check (`parsePoseChunk`) builds from
 * the same frames, or a live session would be stored differently from an uploaded one.
 */
import { describe, expect, it } from "vitest";
import { PendingChunk } from "../../party/live-pack";
import { encodeChunk } from "../../src/modules/sessions/pose.binary";
import { parsePoseChunk } from "../../src/modules/sessions/pose.validate";

const landmarks = (seed: number) =>
  Array.from({ length: 33 }, (_, i) => ({
    x: 0.5 + ((seed * 7 + i) % 13) / 100,
    y: 0.25 + i / 100,
    z: -0.1 * (i % 3),
    visibility: 0.5 + (i % 5) / 10,
  }));

/** Frames with world landmarks and client values on some of them only. */
function frames(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: 1000 + i * 33.3,
    landmarks: landmarks(i),
    ...(i % 4 === 1 && { world_landmarks: landmarks(i + 100) }),
    ...(i % 5 === 2 && { angles: { knee_left: 90 + i }, quality_score: 0.75 }),
    ...(i === 7 && { form_issues: [{ type: "forward_lean", message: "Chest up" }] }),
  }));
}

const SIZE = { width: 720, height: 1280 };

describe("happy", () => {
  it("packs frames exactly as the storage verb's check does, across growth", () => {
    const input = frames(150);
    const pending = new PendingChunk(4);
    for (const f of input) pending.add(f);
    pending.frameSize = SIZE;
    const packed = pending.seal();
    const parsed = parsePoseChunk({ frames: input, frame_size: SIZE });
    expect(packed.count).toBe(150);
    expect([...packed.timestamps]).toEqual([...parsed.timestamps]);
    expect([...packed.landmarks]).toEqual([...parsed.landmarks]);
    expect(packed.client).toEqual(parsed.client);
    expect(packed.frame_size).toEqual(SIZE);
    // Byte for byte the stored form (NaN where a frame had no world landmarks).
    expect(encodeChunk(packed)).toEqual(encodeChunk(parsed));
  });

  it("leaves world landmarks and client values out when no frame has them", () => {
    const pending = new PendingChunk();
    for (const f of frames(3).map(({ timestamp, landmarks }) => ({ timestamp, landmarks }))) {
      pending.add(f);
    }
    const packed = pending.seal();
    expect(packed.world).toBeNull();
    expect(packed.client).toBeNull();
    expect(pending.firstTimestamp).toBe(1000);
  });
});

describe("errors", () => {
  it("marks frames sent without world landmarks as NaN, never as zeros", () => {
    const pending = new PendingChunk(2);
    const [a, b, c] = frames(3);
    pending.add(a!);
    pending.add(b!); // the first with world landmarks
    pending.add(c!);
    const { world } = pending.seal();
    expect(Number.isNaN(world![0])).toBe(true);
    expect(world![132]).toBe(b!.world_landmarks![0]!.x);
    expect(Number.isNaN(world![264])).toBe(true);
  });
});

describe("security", () => {
  it("keeps only the landmark numbers: extra keys a device adds are not stored", () => {
    const [f] = frames(1);
    const extra = { ...f!, landmarks: f!.landmarks.map((l) => ({ ...l, secret: "x" })) };
    const pending = new PendingChunk();
    pending.add(extra as never);
    const bytes = new TextDecoder().decode(encodeChunk(pending.seal()));
    expect(bytes).not.toContain("secret");
  });
});
