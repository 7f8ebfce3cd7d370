import { levelOfCell, type SeedRow } from '@trellis/api/testing'
import { broadestLevel, type Level, levelIncludes } from '@trellis/core'
import { expect, it } from 'vitest'
import {
  expectOutcome,
  expectReadsAtLevel,
  expectTotalsAtLevel,
  type PresetServer,
  type RoleUser,
} from './replay-world.js'

/** What the replay needs once the server runs: a signed-in user per role (null: anonymous). */
export interface ReplayCast<TRole extends string, TWorld> {
  readonly preset: PresetServer
  readonly users: Readonly<Record<TRole, RoleUser | null>>
  readonly world: TWorld
}

/**
 * The level each role reads each entity type at, from the whole table: "View own shares"
 * and "View all shares" are two lines of one permission, and the broader one wins.
 */
function readLevels<TRole extends string>(table: readonly SeedRow<TRole, unknown>[]) {
  const levels = new Map<string, Level[]>()
  for (const row of table) {
    if (!row.reads) continue
    for (const [role, cell] of Object.entries(row.cells) as [
      TRole,
      SeedRow<TRole, unknown>['cells'][TRole],
    ][]) {
      const level = levelOfCell(cell, row.reads.level)
      const key = `${role} ${row.reads.entityType}`
      levels.set(key, [...(levels.get(key) ?? []), ...(level ? [level] : [])])
    }
  }
  return (role: TRole, entityType: string) => broadestLevel(levels.get(`${role} ${entityType}`) ?? [])
}

/**
 * One test per line of the table: every role's user calls what the line names through
 * the SDK and is allowed or denied as its cell says; a line that reads records checks
 * exactly which come back, and a line that reads totals what they add up to.
 */
export function replaySeedTable<TRole extends string, TWorld>(
  table: readonly SeedRow<TRole, TWorld>[],
  cast: () => ReplayCast<TRole, TWorld>,
): void {
  const effectiveLevel = readLevels(table as readonly SeedRow<TRole, unknown>[])
  for (const row of table) {
    it(row.line, async () => {
      const { preset, users, world } = cast()
      for (const [role, cell] of Object.entries(row.cells) as [
        TRole,
        SeedRow<TRole, TWorld>['cells'][TRole],
      ][]) {
        const user = users[role]
        const client = user?.client ?? preset.anonymous
        const what = `${row.line} | ${role}`
        if (row.call) await expectOutcome(row.call(client, world), cell !== '✗', what)
        if (row.reads) {
          const level = effectiveLevel(role, row.reads.entityType)
          const lineLevel = levelOfCell(cell, row.reads.level)
          // The table itself: a ✔ is covered by the role's level, a ✗ is not.
          const rowLevel = row.reads.level ?? 'ALL'
          if (lineLevel) expect(level && levelIncludes(level, lineLevel), what).toBe(true)
          else expect(level !== undefined && levelIncludes(level, rowLevel), what).toBe(false)
          await expectReadsAtLevel(preset, client, user?.id ?? null, row.reads.entityType, level, what)
          if (row.reads.total) {
            const { entityType, total } = row.reads
            await expectTotalsAtLevel(preset, client, user?.id ?? null, entityType, total, level, what)
          }
        }
      }
    })
  }
}
