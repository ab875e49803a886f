/**
 * The catalog's form rules evaluated on smoothed measurements, one frame at a time. A violation
 * must last about 100 ms (at least one frame) to count, so a single noisy sample at 30 fps does
 * not raise an issue; each rule is reported once per repetition with its worst value and when
 * that was, and once per episode between repetitions.
 */
import type { AnalysisConfig, Joint } from "../modules/exercise-types/exercise-types.analysis";
import { CH } from "./angles";
import type { FormIssue, LiveCue, Severity } from "./types";

type Rule = AnalysisConfig["form_rules"][number];

const MIN_VIOLATION_MS = 100;
/** Upper bound on issues kept for one session, so a pathological recording stays small. */
const MAX_ISSUES = 500;

const r1 = (x: number) => Math.round(x * 10) / 10;

type Episode = { rep: number | null; frames: number; worst: number; worstT: number };

const other = (joint: Joint): Joint =>
  (joint.endsWith("_left")
    ? joint.replace(/_left$/, "_right")
    : joint.replace(/_right$/, "_left")) as Joint;

/** The rule's measured value on a frame (bigger is worse, NaN when unseen). */
export function ruleValue(rule: Rule, ch: Float64Array): number {
  switch (rule.type) {
    case "angle_min":
      return -ch[CH[rule.joint!]]!;
    case "angle_max":
      return ch[CH[rule.joint!]]!;
    case "symmetry": {
      const a = ch[CH[rule.joint!]]!;
      const b = ch[CH[other(rule.joint!)]]!;
      return Math.abs(a - b);
    }
    case "knee_valgus": {
      const l = ch[CH.valgus_left]!;
      const r = ch[CH.valgus_right]!;
      if (Number.isNaN(l)) return r;
      if (Number.isNaN(r)) return l;
      return Math.max(l, r);
    }
    case "trunk_lean_max":
      return ch[CH.trunk_lean]!;
  }
}

/** The rule's threshold on the same "bigger is worse" scale as ruleValue. */
const limitOf = (rule: Rule): number => (rule.type === "angle_min" ? -rule.value : rule.value);
/** Back to degrees for the report (angle_min values were negated). */
const report = (rule: Rule, v: number): number => r1(rule.type === "angle_min" ? -v : v);

export class FormTracker {
  issues: FormIssue[] = [];
  private open: (Episode | null)[];
  /** Index into issues of the issue for (rule, rep), to merge episodes in one repetition. */
  private byRep = new Map<string, number>();
  private dtEstimate = 33;
  private lastT = NaN;

  constructor(private readonly rules: Rule[]) {
    this.open = rules.map(() => null);
  }

  clone(): FormTracker {
    const c = new FormTracker(this.rules);
    c.issues = this.issues.map((x) => ({ ...x }));
    c.open = this.open.map((e) => (e ? { ...e } : null));
    c.byRep = new Map(this.byRep);
    c.dtEstimate = this.dtEstimate;
    c.lastT = this.lastT;
    return c;
  }

  /** Issues, open episodes and the frame-interval estimate as plain data. */
  snapshot() {
    return {
      issues: this.issues.map((x) => ({ ...x })),
      open: this.open.map((e) => (e ? { ...e } : null)),
      byRep: [...this.byRep],
      dtEstimate: this.dtEstimate,
      lastT: this.lastT,
    };
  }

  static restore(rules: Rule[], snap: ReturnType<FormTracker["snapshot"]>): FormTracker {
    const c = new FormTracker(rules);
    c.issues = snap.issues;
    c.open = snap.open;
    c.byRep = new Map(snap.byRep);
    c.dtEstimate = snap.dtEstimate;
    c.lastT = snap.lastT;
    return c;
  }

  /** Feeds one smoothed frame; `rep` is the repetition in progress (null at rest). */
  step(t: number, ch: Float64Array, rep: number | null): void {
    if (!Number.isNaN(this.lastT)) this.dtEstimate += 0.1 * (t - this.lastT - this.dtEstimate);
    this.lastT = t;
    this.rules.forEach((rule, i) => {
      const v = ruleValue(rule, ch);
      const bad = v > limitOf(rule);
      let ep: Episode | null = this.open[i] ?? null;
      if (ep && (!bad || ep.rep !== rep)) {
        this.close(i);
        ep = null;
      }
      if (!bad) return;
      if (!ep) this.open[i] = { rep, frames: 1, worst: v, worstT: t };
      else {
        ep.frames++;
        if (v > ep.worst) {
          ep.worst = v;
          ep.worstT = t;
        }
      }
    });
  }

  /** Rules violated on the latest frame, as live cues. */
  activeCues(): LiveCue[] {
    const cues: LiveCue[] = [];
    this.rules.forEach((rule, i) => {
      if (this.open[i])
        cues.push({ code: rule.id, message: rule.message, severity: rule.severity });
    });
    return cues;
  }

  /** Re-labels the issues of repetition `rep` as between repetitions (it was never counted). */
  forgetRep(rep: number): void {
    for (const [key, index] of this.byRep) {
      if (!key.endsWith(`:${rep}`)) continue;
      this.byRep.delete(key);
      this.issues[index]!.rep = null;
    }
  }

  /** Closes open episodes at the end of the data. */
  closeAll(): void {
    this.rules.forEach((_, i) => this.close(i));
  }

  private close(i: number): void {
    const ep = this.open[i];
    this.open[i] = null;
    if (!ep) return;
    const minFrames = Math.max(1, Math.round(MIN_VIOLATION_MS / Math.max(1, this.dtEstimate)));
    if (ep.frames < minFrames) return;
    const rule = this.rules[i]!;
    const key = `${i}:${ep.rep}`;
    const known = ep.rep === null ? undefined : this.byRep.get(key);
    if (known !== undefined) {
      const issue = this.issues[known]!;
      if (ep.worst > limitOf(rule) && report(rule, ep.worst) !== issue.value) {
        const better = rule.type === "angle_min" ? -ep.worst < issue.value : ep.worst > issue.value;
        if (better) {
          issue.value = report(rule, ep.worst);
          issue.timestamp = Math.round(ep.worstT);
        }
      }
      return;
    }
    if (this.issues.length >= MAX_ISSUES) return;
    if (ep.rep !== null) this.byRep.set(key, this.issues.length);
    this.issues.push(issueOf(rule, ep.rep, ep.worstT, report(rule, ep.worst)));
  }
}

function issueOf(rule: Rule, rep: number | null, t: number, value: number): FormIssue {
  return {
    rule_id: rule.id,
    type: rule.type,
    message: rule.message,
    severity: rule.severity as Severity,
    rep,
    timestamp: Math.round(t),
    value,
  };
}
