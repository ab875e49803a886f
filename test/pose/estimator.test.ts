/**
 * The PoseEstimator choice and its failure mapping: a model that cannot be reached or loaded is
 * a 503 with a clear message, never a made-up pose. The real Worker is exercised elsewhere; here
 * the binding answers what the pose Worker answers when its model fails to load.
 */
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/lib/errors";
import { poseEstimator, serviceBindingEstimator } from "../../src/modules/pose/pose.estimator";
import { POSE_JPG } from "./images";

const fetcher = (handler: () => Response | Promise<Response>) =>
  ({
    fetch: async () => handler(),
    connect: () => {
      throw new Error("no");
    },
  }) as unknown as Fetcher;

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("errors", () => {
  it("answers 503 when the pose Worker cannot load its model", async () => {
    const estimator = serviceBindingEstimator(
      fetcher(() =>
        Response.json({ error: { code: "MODEL_UNAVAILABLE", message: "x" } }, { status: 503 }),
      ),
    );
    const error = await failure(estimator.estimate(POSE_JPG));
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/pose model could not be loaded/);
  });

  it("answers 503 when the pose Worker is unreachable or not configured", async () => {
    const down = serviceBindingEstimator(
      fetcher(() => {
        throw new Error("connection refused");
      }),
    );
    expect((await failure(down.estimate(POSE_JPG))).status).toBe(503);
    const none = poseEstimator({
      POSE: undefined,
      AI: undefined,
      AI_POSE_KEYPOINT_MODEL: undefined,
    });
    expect((await failure(none.estimate(POSE_JPG))).message).toMatch(/not configured/);
  });

  it("uses Workers AI only when a keypoint model is configured, and refuses non-pose output", async () => {
    const ai = { run: async () => ({ label: "person", score: 0.9 }) } as unknown as Ai;
    const withoutModel = poseEstimator({
      AI: ai,
      AI_POSE_KEYPOINT_MODEL: undefined,
      POSE: undefined,
    });
    expect(withoutModel.provider).toBe("pose-worker");
    const configured = poseEstimator({
      AI: ai,
      AI_POSE_KEYPOINT_MODEL: "@cf/x/keypoints",
      POSE: undefined,
    });
    expect(configured.provider).toBe("workers-ai");
    const error = await failure(configured.estimate(POSE_JPG));
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/returned no pose landmarks/);
  });
});
