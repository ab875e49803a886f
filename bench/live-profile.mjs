// A CPU profile of the API's isolate (the Worker and its Durable Objects share it) through
// workerd's inspector (wrangler dev's `--inspector-port`), summed by the source module each
// sampled function comes from (the bundle's `// path` markers) and by function. Used by
// bench/live.mjs with LIVE_PROFILE=1 to see what the live rooms spend their thread on.
// (`ws`, not Node's WebSocket: wrangler's inspector proxy refuses the latter's handshake.)
import { readFileSync } from "node:fs";
import WebSocket from "ws";

/** Maps a line of the bundle to the source path of the module it belongs to. */
function moduleMap(bundle) {
  const markers = [];
  readFileSync(bundle, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const m = /^\/\/ ((?:node_modules|src|party)\/\S+)$/.exec(line);
      if (m) markers.push([i, m[1]]);
    });
  return (line) => {
    let lo = 0;
    let hi = markers.length - 1;
    let found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (markers[mid][0] <= line) {
        found = markers[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

async function connect(port) {
  const list = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = list.find((t) => t.webSocketDebuggerUrl) ?? list[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let next = 1;
  const pending = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, (msg) =>
        msg.error ? reject(new Error(msg.error.message)) : resolve(msg.result),
      );
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** Starts sampling the isolate; `stop()` resolves to the profile summed by module and function. */
export async function startProfile(inspectorPort, bundle) {
  const { send, close } = await connect(inspectorPort);
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  await send("Profiler.start");
  return {
    async stop() {
      const { profile } = await send("Profiler.stop");
      close();
      return summarise(profile, moduleMap(bundle));
    },
  };
}

function labelOf(node, moduleAt) {
  const { functionName, url, lineNumber } = node.callFrame;
  if (["(idle)", "(garbage collector)", "(program)", "(root)"].includes(functionName)) {
    return { module: functionName, fn: functionName };
  }
  if (!url) return { module: "(builtins)", fn: functionName || "(anonymous)" };
  if (!url.endsWith("index.js")) return { module: "(runtime glue)", fn: functionName };
  return { module: moduleAt(lineNumber) ?? "(bundle)", fn: functionName || "(anonymous)" };
}

function summarise(profile, moduleAt) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const modules = new Map();
  const fns = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const { module, fn } = labelOf(byId.get(id), moduleAt);
    total += ms;
    modules.set(module, (modules.get(module) ?? 0) + ms);
    const key = `${fn} (${module})`;
    fns.set(key, (fns.get(key) ?? 0) + ms);
  });
  const top = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: +((ms / total) * 100).toFixed(1) }));
  return { total_ms: Math.round(total), modules: top(modules, 15), functions: top(fns, 25) };
}
