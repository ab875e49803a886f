/** The call state machine on its own: every allowed move, and the refusals (409). */
import { describe, expect, it } from "vitest";
import { formatDuration, nextMove, type Line } from "../../src/modules/calls/calls.state";

const caller: Line = { userId: "c", role: "caller", state: "joined" };
const ringing = (id: string): Line => ({ userId: id, role: "recipient", state: "ringing" });
const lines = (...recipients: Line[]) => [caller, ...recipients];
const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (e: any) {
    return e.status;
  }
  return "allowed";
};

describe("happy", () => {
  it("answer, decline, end and timeout produce the documented states", () => {
    expect(nextMove("ringing", lines(ringing("a")), "answer", "a")).toEqual({
      status: "active",
      lines: new Map([["a", "joined"]]),
    });
    expect(nextMove("ringing", lines(ringing("a")), "decline", "a").status).toBe("declined");
    expect(nextMove("ringing", lines(ringing("a"), ringing("b")), "decline", "a").status).toBe(
      "ringing",
    );
    const cancel = nextMove("ringing", lines(ringing("a")), "end", "c");
    expect(cancel.status).toBe("missed");
    expect(cancel.lines.get("a")).toBe("missed");
    const joined: Line = { userId: "a", role: "recipient", state: "joined" };
    const end = nextMove("active", lines(joined, ringing("b")), "end", "a");
    expect(end.status).toBe("ended");
    expect(Object.fromEntries(end.lines)).toEqual({ c: "left", a: "left", b: "missed" });
    expect(nextMove("ringing", lines(ringing("a")), "timeout", null).status).toBe("missed");
    const late = nextMove("active", lines(joined, ringing("b")), "timeout", null);
    expect(late.status).toBe("active");
    expect(Object.fromEntries(late.lines)).toEqual({ b: "missed" });
  });

  it("formats durations like the seed", () => {
    expect(formatDuration(930)).toBe("15m 30s");
    expect(formatDuration(45)).toBe("45s");
    expect(formatDuration(3725)).toBe("1h 2m 5s");
    expect(formatDuration(null)).toBeNull();
  });
});

describe("errors", () => {
  it("refuses illegal moves with 409", () => {
    const r = lines(ringing("a"));
    expect(refused(() => nextMove("ringing", r, "answer", "c"))).toBe(409);
    expect(refused(() => nextMove("ringing", r, "end", "a"))).toBe(409);
    expect(refused(() => nextMove("ringing", r, "timeout", "a"))).toBe(409);
    for (const status of ["ended", "missed", "declined"] as const) {
      for (const action of ["answer", "decline", "end", "timeout"] as const) {
        expect(refused(() => nextMove(status, r, action, action === "timeout" ? null : "a"))).toBe(
          409,
        );
      }
    }
  });
});

describe("security", () => {
  it("someone not on the call moves nothing", () => {
    for (const action of ["answer", "decline", "end"] as const) {
      expect(refused(() => nextMove("ringing", lines(ringing("a")), action, "x"))).toBe(409);
    }
  });
});
