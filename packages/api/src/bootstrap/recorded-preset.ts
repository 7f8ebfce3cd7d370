import { type Database, findRole } from '@trellis/db'
import type { Kysely } from 'kysely'
import type { Logger } from '../logger.js'

/** How the settings table names a database prepared without a preset. */
export const NO_PRESET = 'none'

const describe = (preset: string) =>
  preset === NO_PRESET ? 'without TRELLIS_PRESET' : `with TRELLIS_PRESET=${preset}`

const START_FRESH = 'or start fresh with a new TRELLIS_DATA_DIR (or an empty database for DATABASE_URL)'

/** Refusal to start a database with another preset than the one it was set up with. */
export class PresetMismatchError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PresetMismatchError'
  }
}

/**
 * Records the preset (`none` without one) of a database's first preparation, or checks
 * that this start uses the recorded one. Starting with another preset would otherwise
 * add its roles and entity types to the ones already there.
 *
 * A database prepared before presets were recorded (it has users but no record) is
 * adopted if it holds this start's protected administrator role (`admin`, or the
 * preset's top role), the one role every preparation creates; otherwise it is refused.
 * Of two first starts racing with different presets, the one that records first wins.
 */
export async function checkRecordedPreset(
  db: Kysely<Database>,
  preset: { readonly name: string | undefined; readonly adminRole: string },
  logger: Logger,
): Promise<void> {
  const wanted = preset.name ?? NO_PRESET
  let recorded = await readRecordedPreset(db)
  if (recorded === undefined) {
    const prepared = await db.selectFrom('users').select('id').limit(1).executeTakeFirst()
    if (prepared) {
      if (!(await findRole(db, preset.adminRole))) {
        throw new PresetMismatchError(
          `This database was set up before Trellis recorded presets and has no "${preset.adminRole}" role, so not ${describe(wanted)}: start it as it was set up, ${START_FRESH}`,
        )
      }
    }
    await db
      .insertInto('settings')
      .values({ name: 'preset', value: wanted })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute()
    recorded = await readRecordedPreset(db)
    if (prepared && recorded === wanted) {
      logger.info({ preset: wanted }, 'Recorded the preset of a database set up before presets were recorded')
    }
  }
  if (recorded !== wanted) {
    throw new PresetMismatchError(
      `This database was set up ${describe(recorded ?? NO_PRESET)}, and this server starts ${describe(wanted)}: start it as it was set up, ${START_FRESH}`,
    )
  }
}

async function readRecordedPreset(db: Kysely<Database>): Promise<string | undefined> {
  const row = await db.selectFrom('settings').select('value').where('name', '=', 'preset').executeTakeFirst()
  return row?.value
}
