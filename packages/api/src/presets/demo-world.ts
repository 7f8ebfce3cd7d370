import { randomBytes } from 'node:crypto'
import type { EntityTypesConfig } from '@trellis/core'
import type { Database } from '@trellis/db'
import { bindRole, findEntityType, findRole, insertUser, type TrellisDatabase } from '@trellis/db'
import type { Transaction } from 'kysely'
import { recordDataIssues } from '../entity-types/record-schema.js'
import { syncEntityTypes } from '../entity-types/sync-entity-types.js'
import { hashPassword } from '../identity/password-hash.js'
import { syncDerivedParties } from '../records/record-parties.js'
import { createDemoPolicies, type DemoPolicy } from './demo-policies.js'

/** Who a demo user or record hangs from: another demo user by name, or the first administrator. */
export const DEMO_ADMIN = 'admin'

/** A user of the demo world, holding one role (scoped to an entity type or a policy when `scope` is given). */
export interface DemoUser {
  /** Also its email's local part: `<name>@demo.trellis.local`. */
  readonly name: string
  readonly role: string
  readonly scope?: `entityType:${string}` | `policy:${string}`
  /** Another demo user's name, or `admin` (the default): where it goes in the tree. */
  readonly parent?: string
}

/** A record of the demo world; `data` may name records made before it by their `key`. */
export interface DemoRecord {
  readonly key?: string
  readonly entityType: string
  /** A demo user's name, or `admin`. */
  readonly owner: string
  readonly data: Record<string, unknown> | ((idOf: (key: string) => string) => Record<string, unknown>)
}

/** A preset's demo world (`TRELLIS_PRESET_DEMO=1`): users holding each role, and a few records. */
export interface PresetDemo {
  /** Entity types the demo needs that the preset does not ship (BitBroker ships none). */
  readonly entityTypes?: EntityTypesConfig
  /** Data-access policies, made before the users (who may be bound to them). */
  readonly policies?: readonly DemoPolicy[]
  readonly users: readonly DemoUser[]
  readonly records: readonly DemoRecord[]
}

/** A demo user's sign-in, printed once to the log. */
export interface DemoCredential {
  readonly email: string
  readonly password: string
  readonly role: string
  readonly scope: string | null
}

export const demoEmail = (name: string) => `${name}@demo.trellis.local`

/**
 * Builds a preset's demo world under the first administrator, in the transaction that
 * created it (so it exists whole or not at all, and only on a database that was empty).
 * Each user gets a fresh random password, returned for the log and stored only hashed.
 */
export async function createDemoWorld(
  trx: Transaction<Database>,
  demo: PresetDemo,
  adminId: string,
): Promise<DemoCredential[]> {
  if (demo.entityTypes) await syncEntityTypes(trx, demo.entityTypes)
  if (demo.policies) await createDemoPolicies(trx, demo.policies)
  const idByName = new Map([[DEMO_ADMIN, adminId]])
  const known = (name: string) => {
    const id = idByName.get(name)
    if (!id) throw new Error(`Demo world: no user named ${name} before this point`)
    return id
  }
  const passwords = demo.users.map(() => randomBytes(12).toString('base64url'))
  const hashes = await Promise.all(passwords.map(hashPassword))
  const credentials: DemoCredential[] = []
  for (const [index, user] of demo.users.entries()) {
    const created = await insertUser(trx, {
      email: demoEmail(user.name),
      display_name: `Demo ${user.name}`,
      kind: 'person',
      status: 'active',
      parent_id: known(user.parent ?? DEMO_ADMIN),
      password_hash: hashes[index]!,
    })
    idByName.set(user.name, created.id)
    const role = await findRole(trx, user.role)
    if (!role) throw new Error(`Demo world: no role named ${user.role}`)
    await bindRole(trx, { userId: created.id, roleId: role.id, scope: user.scope ?? null })
    credentials.push({
      email: created.email,
      password: passwords[index]!,
      role: user.role,
      scope: user.scope ?? null,
    })
  }
  await insertDemoRecords(trx, demo.records, known)
  return credentials
}

async function insertDemoRecords(
  trx: TrellisDatabase,
  records: readonly DemoRecord[],
  ownerId: (name: string) => string,
): Promise<void> {
  const idByKey = new Map<string, string>()
  const idOf = (key: string) => {
    const id = idByKey.get(key)
    if (!id) throw new Error(`Demo world: no record keyed ${key} before this point`)
    return id
  }
  for (const record of records) {
    const type = await findEntityType(trx, record.entityType)
    if (!type) throw new Error(`Demo world: no entity type named ${record.entityType}`)
    const data = typeof record.data === 'function' ? record.data(idOf) : record.data
    // The demo's data is fixed, but a preset's schema may change under it: say so plainly.
    const issues = recordDataIssues(type.schema, data)
    if (issues.length > 0) {
      throw new Error(
        `Demo world: a ${record.entityType} record breaks its schema: ${JSON.stringify(issues)}`,
      )
    }
    const row = await trx
      .insertInto('records')
      .values({
        entity_type_id: type.id,
        owner_id: ownerId(record.owner),
        status: type.stateMachine?.initial ?? null,
        data: JSON.stringify(data),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    // Parties taken from references (an Orb charge's merchant) are kept as records.create keeps them.
    await syncDerivedParties(trx, type, row.id, data, {})
    if (record.key) idByKey.set(record.key, row.id)
  }
}
