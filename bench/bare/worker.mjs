// The benchmark's floor: a Worker that does nothing but answer a fixed body. It runs on the same
// runtime as the API (wrangler dev --local, same compatibility date and flags, written into its
// config at start by bench/server.mjs), so every target can be read as a fraction of it.
export default {
  fetch() {
    return new Response("ok");
  },
};
