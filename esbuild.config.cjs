// The one bundling configuration: serverless-esbuild reads it (custom.esbuild.config in serverless.yml)
// and so does the benchmark (bench/cold-start.ts), so measured bundles are the deployed ones.
module.exports = () => ({
  bundle: true,
  minify: true,
  sourcemap: 'external',
  target: 'node24',
  platform: 'node',
  format: 'cjs',
  outputFileExtension: '.cjs',
  // Bundle the AWS SDK v3 clients too: a pinned, tree-shaken copy instead of the runtime's.
  exclude: [],
  packager: 'npm',
});
