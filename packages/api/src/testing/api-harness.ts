import { randomUUID } from 'node:crypto'
import type { Grant } from '@trellis/core'
import { bindRole, createRole, insertUser, type UserStatus } from '@trellis/db'
import { createTestDatabase, type TestDatabase } from '@trellis/db/testing'
import { appRouter } from '../app-router.js'
import { prepareDatabase } from '../bootstrap/prepare-database.js'
import type { TransitionEffects } from '../effects/transition-effects.js'
import { DEFAULT_AUTH_CONFIG } from '../identity/auth-config.js'
import { silentLogger } from '../logger.js'
import type { Preset } from '../presets/preset.js'
import { createContext } from '../trpc/context.js'

export interface ApiHarness {
  readonly database: TestDatabase
  readonly adminId: string
  /** A server-side caller acting as `callerId` (null: anonymous), through the real gates. */
  callAs(callerId: string | null): ReturnType<typeof appRouter.createCaller>
  /** Adds a user under `parentId` straight into the tree; returns its id. */
  addUser(email: string, parentId: string | null, status?: UserStatus): Promise<string>
  /**
   * Gives a user exactly these grants, through a role of its own. This is how tests set
   * the caller's level until role administration exists.
   */
  grant(userId: string, grants: Record<string, Grant>): Promise<void>
  dispose(): Promise<void>
}

export interface ApiHarnessOptions {
  /** Start as `TRELLIS_PRESET` does: its types and roles, its admin role, its effects first. */
  readonly preset?: Preset
  /** The effects the API is given, as a host gives them (`ApiDependencies.effects`). */
  readonly effects?: readonly TransitionEffects[]
}

/** A migrated, bootstrapped test database and the API over it, called in process. */
export async function createApiHarness(options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const database = await createTestDatabase()
  const { db, dialect } = database
  const { preset } = options
  const outcome = await prepareDatabase(
    db,
    {
      ...(preset
        ? {
            preset: preset.name,
            entityTypes: preset.entityTypes,
            roles: preset.roles,
            adminRole: preset.adminRole,
          }
        : {}),
      adminEmail: 'admin@example.com',
      adminPassword: 'correct horse battery',
    },
    silentLogger,
  )
  if (!outcome.created) throw new Error('The test database already had users')
  const effects = [...(preset?.effects ? [preset.effects] : []), ...(options.effects ?? [])]
  return {
    database,
    adminId: outcome.userId,
    callAs: (callerId) =>
      appRouter.createCaller(
        createContext(
          { db, dialect, logger: silentLogger, auth: DEFAULT_AUTH_CONFIG, effects },
          { requestId: randomUUID(), clientAddress: '127.0.0.1', callerId },
        ),
      ),
    addUser: (email, parentId, status = 'active') =>
      db
        .transaction()
        .execute((trx) => insertUser(trx, { email, kind: 'person', status, parent_id: parentId }))
        .then((user) => user.id),
    async grant(userId, grants) {
      const roleId = await createRole(db, `test-${randomUUID().slice(0, 8)}`, { grants })
      if (!roleId) throw new Error('A test role name was taken twice')
      await bindRole(db, { userId, roleId, scope: null })
    },
    dispose: () => database.dispose(),
  }
}
