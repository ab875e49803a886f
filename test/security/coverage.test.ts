import { describe, expect, it } from "vitest";
import { api } from "../helpers/http";
import { ALL_CASES } from "./cases";

describe("security suite coverage", () => {
  it("has a case for every route in /openapi.json, and no case for a route that does not exist", async () => {
    const doc = (await api("GET", "/openapi.json")).body;
    const documented = new Set<string>();
    for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const covered = new Set(
      Object.values(ALL_CASES)
        .flat()
        .map((c) => `${c.method} ${c.path}`),
    );
    expect(
      [...documented].filter((r) => !covered.has(r)),
      "routes without a security case",
    ).toEqual([]);
    expect(
      [...covered].filter((r) => !documented.has(r)),
      "cases for routes not in /openapi.json",
    ).toEqual([]);
  });
});
