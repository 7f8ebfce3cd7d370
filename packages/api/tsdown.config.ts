import { defineConfig } from 'tsdown'

export default defineConfig({
  // `testing/index`: the internal `@trellis/api/testing` subpath (test support, not a stable API).
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: 'esm',
  platform: 'node',
  dts: true,
})
