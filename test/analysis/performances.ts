/**
 * Synthetic performances: keyframed joint-angle trajectories (cosine-eased, so every keyframe is
 * reached exactly, with zero velocity) rendered through the kinematic model. The exercise
 * library describes each catalog exercise the way a physiotherapist would demonstrate it; it is
 * written from the exercises' descriptions, not from the analysis code.
 */
import type { PoseFrame } from "../../src/analysis";
import { STANDING, render, rng, type Pose, type RenderOptions, type View } from "./kinematics";

export type Key = { at: number; pose: Pose };

/** Builds keyframes: start at `from`, then for each step ease to `to` over `ms`. */
export class Script {
  keys: Key[];
  constructor(from: Pose) {
    this.keys = [{ at: 0, pose: from }];
  }
  get end(): number {
    return this.keys[this.keys.length - 1]!.at;
  }
  get last(): Pose {
    return this.keys[this.keys.length - 1]!.pose;
  }
  to(change: Partial<Pose>, ms: number): this {
    this.keys.push({ at: this.end + ms, pose: { ...this.last, ...change } });
    return this;
  }
  wait(ms: number): this {
    return this.to({}, ms);
  }
  /** The pose at time t (ms). */
  poseAt(t: number): Pose {
    const i = this.keys.findIndex((k) => k.at >= t);
    if (i <= 0) return i === 0 ? this.keys[0]!.pose : this.last;
    const a = this.keys[i - 1]!;
    const b = this.keys[i]!;
    const f = (1 - Math.cos((Math.PI * (t - a.at)) / (b.at - a.at))) / 2;
    const out = { ...b.pose } as Record<string, unknown>;
    for (const [k, v] of Object.entries(b.pose)) {
      const av = (a.pose as Record<string, unknown>)[k];
      if (typeof v === "number") out[k] = (typeof av === "number" ? av : 0) * (1 - f) + v * f;
    }
    return out as Pose;
  }
  /** Frames at `fps` (optionally jittered timestamps) rendered with the camera options. */
  frames(fps: number, o: RenderOptions, jitterMs = 0): PoseFrame[] {
    const random = rng(o.seed ?? 1);
    const out: PoseFrame[] = [];
    const step = 1000 / fps;
    for (let i = 0; i * step <= this.end; i++) {
      const jitter = jitterMs ? (random.next() - 0.5) * 2 * jitterMs : 0;
      const t = Math.max(0, i * step + jitter);
      out.push(render(this.poseAt(t), Math.round(t * 1000) / 1000, o, random));
    }
    return out;
  }
}

export type Demo = {
  rest: Pose;
  work: Partial<Pose>;
  view: View;
  /** Isometric: seconds held at the work pose. */
  holdSeconds?: number;
};

const SEATED: Pose = {
  ...STANDING,
  trunk_lean: 5,
  hip_left: 95,
  hip_right: 95,
  knee_left: 90,
  knee_right: 90,
  ankle_left: 100,
  ankle_right: 100,
};

/** How each catalog exercise is performed (side camera unless the movement is frontal). */
export const DEMOS: Record<string, Demo> = {
  squat: {
    rest: STANDING,
    work: {
      knee_left: 90,
      knee_right: 90,
      hip_left: 80,
      hip_right: 80,
      ankle_left: 70,
      ankle_right: 70,
      trunk_lean: 35,
    },
    view: "side",
  },
  lunge: {
    rest: {
      ...STANDING,
      hip_left: 160,
      knee_left: 170,
      hip_right: 165,
      knee_right: 170,
      right_thigh_behind: true,
    },
    work: { hip_left: 95, knee_left: 90, hip_right: 175, knee_right: 90, trunk_lean: 5 },
    view: "side",
  },
  glute_bridge: {
    rest: {
      ...STANDING,
      trunk_lean: -90,
      hip_left: 125,
      hip_right: 125,
      knee_left: 80,
      knee_right: 80,
      ankle_left: 110,
      ankle_right: 110,
      shoulder_left: 15,
      shoulder_right: 15,
    },
    work: { hip_left: 175, hip_right: 175, knee_left: 95, knee_right: 95 },
    view: "side",
  },
  wall_sit: {
    rest: STANDING,
    work: {
      knee_left: 92,
      knee_right: 92,
      hip_left: 92,
      hip_right: 92,
      ankle_left: 90,
      ankle_right: 90,
      trunk_lean: 0,
    },
    view: "side",
    holdSeconds: 25,
  },
  heel_raise: {
    rest: STANDING,
    work: { ankle_left: 140, ankle_right: 140, trunk_lean: 4 },
    view: "side",
  },
  knee_extension: {
    rest: SEATED,
    work: { knee_left: 172 },
    view: "side",
  },
  sit_to_stand: {
    rest: { ...SEATED, trunk_lean: 15 },
    work: { ...STANDING },
    view: "side",
  },
  shoulder_flexion: {
    rest: STANDING,
    work: { shoulder_left: 160, shoulder_right: 160, elbow_left: 172, elbow_right: 172 },
    view: "side",
  },
  shoulder_abduction: {
    rest: { ...STANDING, arms_frontal: true },
    work: { shoulder_left: 95, shoulder_right: 95 },
    view: "front",
  },
  bicep_curl: {
    rest: { ...STANDING, elbow_left: 165, elbow_right: 165 },
    work: { elbow_left: 45, elbow_right: 45 },
    view: "side",
  },
};

export type PerformOptions = {
  reps?: number;
  /** Per-repetition changes to the work pose (0-based repetition index). */
  perRep?: (i: number) => Partial<Pose>;
  downMs?: number;
  upMs?: number;
  pauseMs?: number;
  /** Time held at the working position, ms (default 200). */
  bottomMs?: number;
  /** End in the middle of one more repetition (a partial). */
  partial?: boolean;
};

/** A script of a demo: reps (or a hold) between rests. */
export function perform(demo: Demo, o: PerformOptions = {}): Script {
  const s = new Script(demo.rest).wait(800);
  if (demo.holdSeconds) {
    return s
      .to(demo.work, 2000)
      .wait(demo.holdSeconds * 1000)
      .to(demo.rest, 2000)
      .wait(800);
  }
  const n = o.reps ?? 5;
  for (let i = 0; i < n; i++) {
    const extra = o.perRep?.(i) ?? {};
    // Back to rest undoes this repetition's changes, including ones the rest pose leaves unset.
    const undo = Object.fromEntries(
      Object.keys(extra).map((k) => [k, (demo.rest as Record<string, unknown>)[k] ?? 0]),
    );
    s.to({ ...demo.work, ...extra }, o.downMs ?? 1500)
      .wait(o.bottomMs ?? 200)
      .to({ ...demo.rest, ...undo }, o.upMs ?? 1500)
      .wait(o.pauseMs ?? 600);
  }
  if (o.partial) s.to(demo.work, o.downMs ?? 1500);
  return s;
}
