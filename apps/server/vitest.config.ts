import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@trellis/source'] },
  ssr: { resolve: { conditions: ['@trellis/source'] } },
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
})
