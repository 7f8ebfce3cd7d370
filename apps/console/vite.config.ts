import { defineConfig } from 'vite'

// No React plugin: Vite's own transform compiles JSX with the automatic runtime.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  // `pnpm dev` talks to a server started with `pnpm start` on its default port.
  server: { proxy: { '/trpc': 'http://127.0.0.1:3000' } },
})
