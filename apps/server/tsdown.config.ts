import { defineConfig } from 'tsdown'

export default defineConfig({
  // `cli`: the `trellis` command (src/cli/main.ts), declared as the package's bin.
  entry: { index: 'src/index.ts', main: 'src/main.ts', cli: 'src/cli/main.ts' },
  format: 'esm',
  platform: 'node',
  dts: true,
})
