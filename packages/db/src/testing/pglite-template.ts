import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PGliteDialect } from 'kysely'
import { migrateToLatest } from '../migrate.js'
import { migrations } from '../migrations/index.js'

// A PGlite cold start costs seconds; loading a dump of an already migrated database
// costs a fraction of that. The dump is cached on disk, keyed by the migrations' code,
// so every test file in every worker reuses it until a migration changes.
let template: Promise<Blob> | undefined

export function migratedPgliteTemplate(): Promise<Blob> {
  template ??= loadOrBuildTemplate()
  return template
}

function templateKey(): string {
  const hash = createHash('sha256')
  // The resolved path names the installed PGlite version: a new PGlite gets a new dump.
  hash.update(createRequire(import.meta.url).resolve('@electric-sql/pglite'))
  for (const [name, migration] of Object.entries(migrations)) {
    hash.update(name).update(migration.up.toString())
  }
  return hash.digest('hex').slice(0, 16)
}

async function loadOrBuildTemplate(): Promise<Blob> {
  const dir = join(tmpdir(), 'trellis-test-templates')
  const file = join(dir, `pglite-${templateKey()}.tar`)
  try {
    return new Blob([await readFile(file)])
  } catch {
    const dump = await buildTemplate()
    await mkdir(dir, { recursive: true })
    // Write then rename, so a worker never reads a half-written dump.
    const partial = `${file}.${process.pid}.partial`
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()))
    await rename(partial, file)
    return dump
  }
}

async function buildTemplate(): Promise<Blob> {
  const pglite = await PGlite.create()
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) })
  await migrateToLatest(db)
  const dump = await pglite.dumpDataDir('none')
  await db.destroy()
  return dump
}
