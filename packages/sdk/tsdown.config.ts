import { defineConfig } from 'tsdown'

export default defineConfig({
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'neutral',
  dts: true,
  deps: {
    // The router's types are inlined from @trellis/api (a dev dependency), so the
    // published .d.ts needs no server package. What lies behind the API stays out.
    neverBundle: ['@trellis/db', 'kysely', 'pg', '@electric-sql/pglite', 'zod', '@node-rs/argon2'],
  },
})
