/** Vite's `?raw` imports: a file's text, read at transform time (workerd has no file system). */
declare module "*?raw" {
  const text: string;
  export default text;
}
