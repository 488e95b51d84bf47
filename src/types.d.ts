/** esbuild's `text` loader (and the jest transform in scripts/) import YAML files as strings. */
declare module '*.yml' {
  const text: string;
  export default text;
}
