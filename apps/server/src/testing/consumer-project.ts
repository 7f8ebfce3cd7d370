import { cp, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PNPM, runCommand } from './run-command.js'

export type PackageManager = 'npm' | 'pnpm'

/**
 * An app's project outside the workspace that depends on the given tarballs and on
 * `@trpc/tanstack-react-query` with the tRPC version it needs (an exact pin in our
 * packages made npm refuse that: ERESOLVE), with its own TypeScript. The tarballs
 * also override the registry for each other's `@trellis/*` dependencies, which are not
 * published (npm finds them anyway; pnpm would ask the registry).
 */
export async function createConsumerProject(
  dir: string,
  tarballs: Record<string, string>,
  sources: readonly { from: string; to: string }[],
): Promise<void> {
  await mkdir(dir, { recursive: true })
  const local = Object.fromEntries(Object.entries(tarballs).map(([name, path]) => [name, `file:${path}`]))
  const manifest = {
    name: 'trellis-consumer',
    private: true,
    type: 'module',
    dependencies: {
      ...local,
      '@trpc/client': '11.22.1',
      '@trpc/server': '11.22.1',
      '@trpc/tanstack-react-query': '11.22.1',
    },
    devDependencies: { '@types/node': '22.20.5', typescript: '5.9.3' },
    overrides: local,
    pnpm: { overrides: local },
  }
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  for (const source of sources) await cp(source.from, join(dir, source.to), { recursive: true })
}

/** Installs the project's dependencies; the registry is only asked for what no cache holds. */
export function installWith(manager: PackageManager, dir: string) {
  const options = { cwd: dir, timeoutMs: 120_000 }
  return manager === 'npm'
    ? runCommand('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], options)
    : runCommand(PNPM.file, [...PNPM.args, 'install', '--prefer-offline'], options)
}
