/// <reference types="vite/client" />
/**
 * The contract between the Worker and its rooms has one home (src/realtime, docs/realtime-
 * contract.md), and these tests keep it so:
 * - `party/` (the room classes) is imported only by the Worker's entry (src/index.ts, which
 *   exports them) and the env types (src/env.ts); nothing else under src/ reaches it, directly or
 *   through other files, so there is no import cycle between `party/` and `src/modules/` (rooms
 *   call the modules' verbs; modules reach rooms only through src/realtime and env's types);
 * - the handoff headers are named in one file (src/realtime/handoff.ts: one strip list, one
 *   writer, one reader); rooms read them only through `readHandoff`, and only the socket entry
 *   (src/realtime/socket.ts) writes them and checks the upgrade;
 * - the console takes the live room's message types from src/realtime.
 * Known-bad graphs and snippets prove each check can fail.
 */
import { describe, expect, it } from "vitest";
import { graphOf, importsOf, pathTo, type Graph } from "./import-graph.scan";

const raw = import.meta.glob(
  ["../../src/**/*.ts", "../../party/**/*.ts", "../../console/src/**/*.ts"],
  { query: "?raw", import: "default", eager: true },
) as Record<string, string>;
const sources = Object.fromEntries(
  Object.entries(raw).map(([file, text]) => [file.replace(/^(\.\.\/)+/, ""), text]),
);
const graph = graphOf(sources);

/** The only files under src/ that may import party/: the entry exports the DO classes; env types them. */
const MAY_IMPORT_PARTY = new Set(["src/index.ts", "src/env.ts"]);
const inParty = (file: string) => file.startsWith("party/");
const isSrc = (file: string) => file.startsWith("src/");

/** Every file of src/ (but the allowed two) from which party/ can be reached, with the path. */
function partyReached(g: Graph): string[][] {
  return [...g.keys()]
    .filter((file) => isSrc(file) && !MAY_IMPORT_PARTY.has(file))
    .flatMap((file) => {
      const path = pathTo(g, file, inParty, (f) => MAY_IMPORT_PARTY.has(f));
      return path ? [path] : [];
    });
}

const HANDOFF_FILE = "src/realtime/handoff.ts";
const SOCKET_FILE = "src/realtime/socket.ts";

/** Files (other than `allowed`) of src/ and party/ whose text matches `pattern`. */
function mentions(pattern: RegExp, allowed: string[]): string[] {
  return Object.keys(sources)
    .filter((file) => (isSrc(file) || inParty(file)) && !allowed.includes(file))
    .filter((file) => pattern.test(sources[file]!));
}

describe("import graph", () => {
  it("reads the whole Worker", () => {
    expect(Object.keys(sources).filter(inParty).length).toBeGreaterThan(15);
    expect(Object.keys(sources).filter(isSrc).length).toBeGreaterThan(200);
    // The scan sees the edges it must judge: the entry's and the rooms' own imports.
    expect(graph.get("src/index.ts")).toContain("party/chat-room.ts");
    expect(graph.get("party/chat-room.ts")).toContain("src/realtime/handoff.ts");
  });

  it("party/ is imported only by src/index.ts and src/env.ts", () => {
    const direct = [...graph.entries()]
      .filter(([file, deps]) => isSrc(file) && !MAY_IMPORT_PARTY.has(file) && deps.some(inParty))
      .map(([file]) => file);
    expect(direct).toEqual([]);
  });

  it("no file of src/ reaches party/ through its imports (no party ↔ modules cycle)", () => {
    expect(partyReached(graph).map((path) => path.join(" → "))).toEqual([]);
  });

  it("the checks catch a module importing a room, directly or through another file", () => {
    const bad: Graph = new Map([
      ["src/modules/a/a.service.ts", ["src/modules/a/a.helper.ts", "src/env.ts"]],
      ["src/modules/a/a.helper.ts", ["party/a-room.ts"]],
      ["src/env.ts", ["party/a-room.ts"]],
      ["party/a-room.ts", ["src/modules/a/a.service.ts"]],
    ]);
    expect(partyReached(bad).map((path) => path.join(" → "))).toEqual([
      "src/modules/a/a.service.ts → src/modules/a/a.helper.ts → party/a-room.ts",
      "src/modules/a/a.helper.ts → party/a-room.ts",
    ]);
    const known = new Set(["party/a-room.ts", "party/b.schemas.ts", "src/x/index.ts"]);
    const text = `import { A } from "../../../party/a-room";
import type {
  B,
} from "../../../party/b.schemas";
export * from "../../x";
const lazy = () => import("../../../party/c");`;
    expect(importsOf("src/modules/a/a.ts", text, known).sort()).toEqual([
      "party/a-room.ts",
      "party/b.schemas.ts",
      "party/c",
      "src/x/index.ts",
    ]);
  });

  it("the handoff headers are named in one file: one strip list, one writer, one reader", () => {
    expect(sources[HANDOFF_FILE]).toMatch(/x-rehab-/);
    expect(sources[HANDOFF_FILE]).toMatch(/x-partykit-/);
    expect(mentions(/x-rehab-|x-partykit-/i, [HANDOFF_FILE])).toEqual([]);
    // The writer is called only by the socket entry; the reader only by the rooms.
    expect(mentions(/\bhandoffRequest\(/, [HANDOFF_FILE])).toEqual([SOCKET_FILE]);
    const readers = mentions(/\breadHandoff\(/, [HANDOFF_FILE]);
    expect(readers.every(inParty)).toBe(true);
    // Every room that accepts sockets reads its caller through readHandoff, and no room reads a
    // request header itself.
    const rooms = Object.keys(sources).filter(
      (f) => inParty(f) && /\bonConnect\(/.test(sources[f]!),
    );
    expect(rooms.length).toBeGreaterThanOrEqual(5);
    expect(rooms.filter((f) => !readers.includes(f))).toEqual([]);
    expect(mentions(/\.headers\.get\(/, []).filter(inParty)).toEqual([]);
  });

  it("one socket entry: only src/realtime/socket.ts checks the upgrade and selects a subprotocol", () => {
    expect(
      mentions(/["']upgrade["']|sec-websocket-protocol/i, [SOCKET_FILE, HANDOFF_FILE]),
    ).toEqual([]);
    // Each room's socket is opened through it.
    const openers = mentions(/\bopenRoomSocket\(/, [SOCKET_FILE]);
    expect(openers.sort()).toEqual([
      "src/modules/calls/calls.socket.ts",
      "src/modules/chats/messages.service.ts",
      "src/modules/live/live.service.ts",
      "src/modules/pose/pose.socket.ts",
      "src/modules/realtime/realtime.service.ts",
    ]);
  });

  it("the console reads the live room's message types from src/realtime", () => {
    expect(graph.get("console/src/live.ts")).toContain("src/realtime/live-session.messages.ts");
    const consoleToParty = Object.keys(sources)
      .filter((f) => f.startsWith("console/"))
      .flatMap((f) => pathTo(graph, f, inParty, () => false) ?? []);
    expect(consoleToParty).toEqual([]);
  });
});
