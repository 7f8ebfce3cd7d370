import { isDatabaseUnavailable, type TrellisDatabase } from '@trellis/db'
import { initTRPC } from '@trpc/server'
import { accessCacheOf } from '../access/access-cache.js'
import { authorizeBoolean, authorizeLeveled, authorizeRecords } from '../access/authorize.js'
import { requestRefused, unauthorized } from '../errors/access-errors.js'
import { resolveCaller } from '../identity/resolve-caller.js'
import {
  type AppPermission,
  type BooleanPermission,
  type LeveledPermission,
  PERMISSIONS,
} from '../permissions.js'
import { enqueueWebhookEvent } from '../webhooks/enqueue-webhook-event.js'
import { type CallOutcome, callOutcome } from './call-report.js'
import { type Context, dependenciesOf } from './context.js'
import { asCallerError } from './database-unavailable.js'
import { formatError } from './error-formatter.js'
import type { ProcedureMeta } from './meta.js'
import { type AuditFacts, isDenial, recordAuditEvent } from './record-audit-event.js'
import { type AuditNote, RecordGate } from './record-gate.js'
import { refusalError } from './refusal-error.js'

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({ errorFormatter: ({ shape, error }) => formatError(shape, error), isDev: false })

// Outermost: a lost database connection anywhere below is a retriable 503, not a 500.
const databaseFaultsAnswered = t.procedure.use(async ({ next }) => {
  const result = await next()
  if (result.ok) return result
  const error = asCallerError(result.error)
  if (error !== result.error) throw error
  return result
})

// Procedures see `ctx.db`, `ctx.logger`, ... typed; the router's exported type does not.
// The caller is resolved here, once per call: a bad credential fails every procedure.
const baseProcedure = databaseFaultsAnswered.use(async ({ ctx, path, next }) => {
  const dependencies = dependenciesOf(ctx)
  const started = performance.now()
  let callerId: string | null = ctx.callerId ?? null
  // The host hears of every call once it ended (access log, metrics), however it ended.
  const report = (outcome: CallOutcome) =>
    dependencies.onCall?.({
      procedure: path,
      outcome,
      durationMs: performance.now() - started,
      callerId,
      requestId: ctx.requestId,
    })
  let sessionId: string | null = null
  let accessVersion: string | undefined
  let invalidCredentials = false
  try {
    if (ctx.callerId === undefined) {
      const caller = await resolveCaller(
        dependencies.db,
        ctx.authorization,
        dependencies.auth,
        ctx.sessionCookie,
      )
      // Refused in the audited procedure below, so the denial is recorded like any other.
      invalidCredentials = caller.kind === 'invalid'
      if (caller.kind === 'session') sessionId = caller.sessionId
      if (caller.kind === 'session' || caller.kind === 'apiKey') {
        callerId = caller.userId
        accessVersion = caller.accessVersion
      }
    }
    const result = await next({
      ctx: {
        ...dependencies,
        accessCache: accessCacheOf(dependencies.db).forCall(accessVersion),
        requestId: ctx.requestId,
        clientAddress: ctx.clientAddress,
        sessionCookie: ctx.sessionCookie,
        refusal: ctx.refusal,
        callerId,
        sessionId,
        invalidCredentials,
      },
    })
    report(callOutcome(result))
    return result
  } catch (thrown) {
    report(callOutcome({ thrown }))
    throw thrown
  }
})

const ROLLBACK = Symbol('rollback')

/** Runs a call in a transaction that commits only if the call succeeded; returns its result either way. */
async function commitIfOk<R extends { ok: boolean }>(
  db: TrellisDatabase,
  call: (trx: TrellisDatabase) => Promise<R>,
) {
  let failed: R | undefined
  try {
    return await db.transaction().execute(async (trx) => {
      const result = await call(trx)
      if (!result.ok) {
        failed = result
        throw ROLLBACK
      }
      return result
    })
  } catch (error) {
    if (error === ROLLBACK && failed) return failed
    throw error
  }
}

// Every mutation runs in one transaction with its audit event, so the change and its
// record commit together or not at all. A failed mutation rolls back and is recorded
// after; a read is recorded only when it is denied, or when made through a policy.
// A mutation's `ctx.db` is that transaction: its writes are atomic without wrapping them
// again. Queries and `selfCommittingProcedure`s get the root database.
const auditedProcedure = baseProcedure.use(async ({ ctx, type, path, meta, next, getRawInput }) => {
  // A records call that decides a finer permission than its meta (`shares.update`) notes it here (RecordGate).
  const audit: AuditNote = {}
  const facts = async (): Promise<AuditFacts> => ({
    actorId: ctx.callerId,
    permission: audit.permission ?? meta?.permission ?? path,
    procedure: path,
    rawInput: await getRawInput().catch(() => undefined),
    requestId: ctx.requestId,
    clientAddress: ctx.clientAddress,
    policy: audit.policy,
  })
  const afterFailure = async (code: Parameters<typeof isDenial>[0], always: boolean) => {
    try {
      if (always || isDenial(code))
        await recordAuditEvent(ctx.db, await facts(), isDenial(code) ? 'denied' : 'failed', code)
    } catch (error) {
      // With the database gone, the record cannot be written; the call's own failure
      // (most likely the same outage) is what the caller must see, not this one.
      if (!isDatabaseUnavailable(error)) throw error
      ctx.logger.warn(
        { requestId: ctx.requestId, procedure: path, reason: (error as Error).message },
        'Audit of a failed call not written: the database is unavailable',
      )
    }
  }

  if (ctx.invalidCredentials) {
    await afterFailure('UNAUTHORIZED', true)
    throw unauthorized()
  }
  if (ctx.refusal !== undefined) {
    await afterFailure('FORBIDDEN', true)
    throw requestRefused(ctx.refusal)
  }
  if (type !== 'mutation') {
    const result = await next({ ctx: { audit } })
    // A read through a policy is recorded whatever its outcome: the policy's terms require it.
    if (!result.ok) await afterFailure(result.error.code, audit.policy !== undefined)
    else if (audit.policy !== undefined) await recordAuditEvent(ctx.db, await facts(), 'allowed', null)
    return result
  }
  // Login and token redemptions commit their throttle reservation before argon2 runs, so
  // they run on the root database; their success is recorded after them.
  if (meta?.ownTransactions) {
    const result = await next({ ctx: { audit } })
    if (result.ok) await recordAuditEvent(ctx.db, await facts(), 'allowed', null)
    else await afterFailure(result.error.code, true)
    return result
  }
  const result = await commitIfOk(ctx.db, async (trx) => {
    const result = await next({ ctx: { db: trx, audit } })
    if (result.ok) {
      const recorded = await facts()
      await recordAuditEvent(trx, recorded, 'allowed', null)
      await enqueueWebhookEvent(trx, recorded, result.data)
    }
    return result
  })
  if (!result.ok) await afterFailure(result.error.code, true)
  return result
})

// Only these builders leave this file: every procedure is made through one that
// declares its permission and checks it, so none can be added without a gate.
export const router = t.router
export const createCallerFactory = t.createCallerFactory

/** A procedure gated by a boolean permission (allowed or not). */
export function booleanProcedure(permission: BooleanPermission) {
  return auditedProcedure.meta({ permission, kind: 'boolean' }).use(async ({ ctx, next }) => {
    const refusal = await authorizeBoolean(ctx.db, ctx.accessCache, ctx.callerId, permission)
    if (refusal) throw refusalError(refusal)
    return next()
  })
}

/**
 * A boolean-gated mutation that opens its own transactions instead of running in one, for
 * work that must commit before the call ends: a throttled attempt is reserved (and seen by
 * concurrent calls) before a password or token is checked, and argon2 holds no transaction.
 */
export function selfCommittingProcedure(permission: BooleanPermission) {
  return booleanProcedure(permission).meta({ permission, kind: 'boolean', ownTransactions: true })
}

/** A boolean-gated procedure that also needs a signed-in caller (its own session, password, ...). */
export function authenticatedProcedure(permission: BooleanPermission) {
  return booleanProcedure(permission).use(({ ctx, next }) => {
    if (ctx.callerId === null) throw unauthorized()
    return next({ ctx: { callerId: ctx.callerId } })
  })
}

/**
 * A procedure gated by a leveled permission. It receives `ctx.actor` and `ctx.level` and
 * filters with them (`ownerWithinLevel`); it never decides access itself.
 */
export function leveledProcedure(permission: LeveledPermission) {
  return auditedProcedure.meta({ permission, kind: 'leveled' }).use(async ({ ctx, next }) => {
    const access = await authorizeLeveled(ctx.db, ctx.accessCache, ctx.callerId, permission)
    if ('refused' in access) throw refusalError(access)
    return next({ ctx: { actor: access.actor, level: access.level } })
  })
}

/** The record operations; each is a leveled `records.<operation>` permission. */
export type RecordOperation = 'read' | 'create' | 'update' | 'delete' | 'transition' | 'manageParties'

/**
 * A procedure whose decision depends on the entity type it acts on, which only the input
 * or the record tells. Its meta declares `permission`; the decision is made with
 * `ctx.records` (RecordGate) once the type is known, so bindings scoped to that type
 * count.
 */
function entityTypeScopedProcedure(permission: AppPermission) {
  return auditedProcedure.meta({ permission, kind: PERMISSIONS[permission] }).use(async ({ ctx, next }) => {
    const access = await authorizeRecords(ctx.db, ctx.accessCache, ctx.callerId)
    if ('refused' in access) throw refusalError(access)
    return next({ ctx: { records: new RecordGate(access, ctx.audit) } })
  })
}

/** A records procedure: `records.<operation>`, decided per type with the type's own permissions too. */
export function recordProcedure(operation: RecordOperation) {
  return entityTypeScopedProcedure(`records.${operation}`)
}

/** Reading entity types: a binding scoped to a type lets its holder read that type. */
export function entityTypeReadProcedure() {
  return entityTypeScopedProcedure('entityTypes.read')
}
