import {
  type EntityTypesConfig,
  entityTypePermissions,
  findRolesConfigProblems,
  type RolesConfig,
} from '@trellis/core'
import { type Database, loadRoles, migrateToLatest } from '@trellis/db'
import { type Kysely, sql } from 'kysely'
import { storedEntityTypePermissions } from '../access/permission-kind.js'
import { appRouter } from '../app-router.js'
import { entityTypeDefinitionProblems } from '../entity-types/entity-type-definition.js'
import { syncEntityTypes } from '../entity-types/sync-entity-types.js'
import type { Logger } from '../logger.js'
import { createDemoWorld, type PresetDemo } from '../presets/demo-world.js'
import { ADMIN_ROLE, DEFAULT_ROLES } from '../roles/default-roles.js'
import { syncRoles } from '../roles/sync-roles.js'
import { declaredPermissions } from '../trpc/procedure-permissions.js'
import { announceDemoWorld } from './announce-demo-world.js'
import { ensureFirstAdmin, type FirstAdminOutcome } from './ensure-first-admin.js'
import { checkRecordedPreset } from './recorded-preset.js'

/** Held while a server stores its roles, types and first administrator. */
const PREPARE_LOCK_KEY = 7_201_946_316

/**
 * Waits for any preparation under way and holds others off until the transaction ends:
 * taken first by whatever else creates an administrator (the CLI), so it and a server's
 * preparation never hold each other's rows in opposite orders (a deadlock).
 */
export async function lockPreparation(trx: Kysely<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${PREPARE_LOCK_KEY})`.execute(trx)
}

export interface PrepareDatabaseOptions {
  /** The preset's name (`TRELLIS_PRESET`): recorded on first start, refused if another was. */
  readonly preset?: string | undefined
  /** Entity types to store on first start (a preset's); stored ones are left as they are. */
  readonly entityTypes?: EntityTypesConfig
  readonly roles?: RolesConfig
  /** The protected role the first administrator holds; `admin` with the default roles. */
  readonly adminRole?: string
  readonly adminEmail: string
  readonly adminPassword?: string | undefined
  /** A preset's demo world to build with the first administrator (`TRELLIS_PRESET_DEMO=1`). */
  readonly demo?: PresetDemo | undefined
}

/**
 * Everything a host does before serving: checks the router and the roles config,
 * migrates, stores new roles and creates the first administrator on an empty database.
 * Throws with a readable list of problems instead of serving a broken configuration.
 */
export async function prepareDatabase(
  db: Kysely<Database>,
  options: PrepareDatabaseOptions,
  logger: Logger,
): Promise<FirstAdminOutcome> {
  const declared = declaredPermissions(appRouter)
  const entityTypes = options.entityTypes ?? {}
  const roles = options.roles ?? DEFAULT_ROLES
  const adminRole = options.adminRole ?? ADMIN_ROLE
  const problems = Object.entries(entityTypes).flatMap(([name, type]) =>
    entityTypeDefinitionProblems(name, type).map((problem) => `Entity type ${name}: ${problem}`),
  )
  for (const [name, type] of Object.entries(entityTypes)) {
    for (const target of Object.values(type.references ?? {})) {
      if (!Object.hasOwn(entityTypes, target))
        problems.push(`Entity type ${name}: references unknown entity type ${target}`)
    }
  }
  const configuredTypePermissions = Object.entries(entityTypes).flatMap(([name, type]) =>
    entityTypePermissions(name, type),
  )
  problems.push(...findRolesConfigProblems(roles, [...declared, ...configuredTypePermissions]))
  if (!Object.hasOwn(roles, adminRole) || !roles[adminRole]?.protected) {
    problems.push(`The administrator role "${adminRole}" must be defined and protected`)
  }
  if (problems.length > 0) throw new Error(`Invalid roles config:\n${problems.join('\n')}`)

  const { applied } = await migrateToLatest(db)
  if (applied.length > 0) logger.info({ migrations: applied }, 'Database migrated')
  // Two servers starting at once on one empty database would both store the same roles
  // (a unique violation) or both see no administrator: one prepares, the other waits.
  const { outcome, demo } = await db.transaction().execute(async (trx) => {
    await lockPreparation(trx)
    // Before anything is stored: another preset's roles and types would merge with these.
    await checkRecordedPreset(trx, { name: options.preset, adminRole }, logger)
    const createdTypes = await syncEntityTypes(trx, entityTypes)
    if (createdTypes.length > 0)
      logger.info({ entityTypes: createdTypes }, 'Entity types created from config')
    const stored = Object.fromEntries((await loadRoles(trx)).map((role) => [role.name, role]))
    const storedProblems = findRolesConfigProblems(stored, [
      ...declared,
      ...(await storedEntityTypePermissions(trx)),
    ])
    if (storedProblems.length > 0) {
      throw new Error(
        `The roles stored in the database do not match this server:\n${storedProblems.join('\n')}`,
      )
    }
    const createdRoles = await syncRoles(trx, roles)
    if (createdRoles.length > 0) logger.info({ roles: createdRoles }, 'Roles created from config')
    const outcome = await ensureFirstAdmin(
      trx,
      { role: adminRole, email: options.adminEmail, password: options.adminPassword },
      logger,
    )
    // Only with the first administrator, in its transaction: never on a database that has users.
    const demo =
      outcome.created && options.demo ? await createDemoWorld(trx, options.demo, outcome.userId) : undefined
    return { outcome, demo }
  })
  if (demo) announceDemoWorld(demo, logger)
  else if (options.demo) logger.info({}, 'No demo world: the database already has users')
  return outcome
}
