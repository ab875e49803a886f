/**
 * Starts TensorFlow.js on its WebAssembly backend inside workerd.
 *
 * workerd compiles no WebAssembly from bytes at run time: the only way in is a `.wasm` file
 * imported as a module (wrangler bundles it as a precompiled `WebAssembly.Module`). The wasm
 * backend's loader has no hook for such a module, but with "platform fetch" on it asks
 * `tf.env().platform.fetch` for the binary and hands the bytes to `WebAssembly.instantiate`.
 * We answer that fetch with an empty body and, for the duration of the backend's start only,
 * let `WebAssembly.instantiate` swap the empty buffer for the bundled module.
 * Invariants: one start per isolate (the promise is cached); SIMD build only, no threads.
 */
import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import simdWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm";

const MARKER = "bundled://tfjs-backend-wasm-simd.wasm";

/** A tfjs platform for workerd: the runtime's own fetch, clock and text codecs. */
const workerdPlatform: tf.Platform = {
  fetch: (path, init) =>
    path === MARKER ? Promise.resolve(new Response(new Uint8Array(0))) : fetch(path, init),
  now: () => performance.now(),
  encode: (text) => new TextEncoder().encode(text),
  decode: (bytes, encoding) => new TextDecoder(encoding).decode(bytes),
  isTypedArray: (a): a is Float32Array | Int32Array | Uint8Array | Uint8ClampedArray =>
    a instanceof Float32Array ||
    a instanceof Int32Array ||
    a instanceof Uint8Array ||
    a instanceof Uint8ClampedArray,
};

let ready: Promise<void> | undefined;

/** Resolves once the wasm backend is the active tfjs backend in this isolate. */
export function ensureWasmBackend(): Promise<void> {
  ready ??= start().catch((error) => {
    ready = undefined; // A failed start may be retried by the next request.
    throw error;
  });
  return ready;
}

async function start(): Promise<void> {
  tf.env().set("IS_BROWSER", false);
  tf.env().set("IS_NODE", false);
  tf.setPlatform("workerd", workerdPlatform);
  tf.env().set("WASM_HAS_SIMD_SUPPORT", true);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  setWasmPaths(
    {
      "tfjs-backend-wasm.wasm": MARKER,
      "tfjs-backend-wasm-simd.wasm": MARKER,
      "tfjs-backend-wasm-threaded-simd.wasm": MARKER,
    },
    true,
  );
  const original = WebAssembly.instantiate;
  const patched = (source: unknown, imports?: WebAssembly.Imports) =>
    source instanceof ArrayBuffer && source.byteLength === 0
      ? original(simdWasm, imports).then((instance) => ({ instance, module: simdWasm }))
      : (original as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>)(source, imports);
  WebAssembly.instantiate = patched as typeof WebAssembly.instantiate;
  try {
    if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend did not start");
    await tf.ready();
  } finally {
    WebAssembly.instantiate = original;
  }
}
