/** Module types for what wrangler's bundler imports as Data and CompiledWasm modules. */
declare module "*.bin" {
  const data: ArrayBuffer;
  export default data;
}
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
