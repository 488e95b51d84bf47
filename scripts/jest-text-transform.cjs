// Jest transform: a .yml file imported from source becomes its text (esbuild's `text` loader does the same in dist/).
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` };
  },
};
