import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PNPM, runCommand } from './run-command.js'

const PACKAGES_DIR = fileURLToPath(new URL('../../../../packages/', import.meta.url))

/** Every package a user installs: the client, and what mounting the API in one's own host needs. */
export const PUBLISHED_PACKAGES = ['core', 'db', 'api', 'sdk'] as const

/**
 * Packs each published package (built already) with `pnpm pack`, as a release would, so
 * `workspace:` versions are rewritten and `publishConfig` applied. Returns the tarballs'
 * paths by package name (`@trellis/sdk`).
 */
export async function packPublishedPackages(destination: string): Promise<Record<string, string>> {
  await Promise.all(
    PUBLISHED_PACKAGES.map(async (name) => {
      const packed = await runCommand(PNPM.file, [...PNPM.args, 'pack', '--pack-destination', destination], {
        cwd: join(PACKAGES_DIR, name),
        timeoutMs: 60_000,
      })
      if (packed.code !== 0) throw new Error(`pnpm pack of ${name} failed: ${packed.stderr}${packed.stdout}`)
    }),
  )
  const tarballs: Record<string, string> = {}
  for (const file of await readdir(destination)) {
    const name = /^trellis-([a-z]+)-.+\.tgz$/.exec(file)?.[1]
    if (name) tarballs[`@trellis/${name}`] = join(destination, file)
  }
  return tarballs
}
