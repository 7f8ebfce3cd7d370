import {
  entityTypePermissions,
  isLevel,
  type Level,
  POLICY_NAME_PATTERN,
  type PolicyFilter,
} from '@trellis/core'
import { ownerWithinLevel, policyFilterCondition, type StoredPolicy, type TrellisDatabase } from '@trellis/db'
import { z } from 'zod'
import { callerGrants } from '../access/access-snapshot.js'
import { PermissionInput, ScopeInput } from '../access/permission-input.js'
import { findPermissionKind } from '../access/permission-kind.js'
import { RecordAccess } from '../access/record-access.js'
import { entityTypePermissionParts } from '../access/record-permission.js'
import { unknownPermission } from '../errors/access-errors.js'
import { visiblePolicy } from '../policies/policy-read.js'
import { recordNotFound } from '../records/record-errors.js'
import { booleanProcedure, leveledProcedure, router } from '../trpc/init.js'
import { findVisibleUser } from '../users/find-visible-user.js'

const ExplainInput = z.object({
  userId: z.uuid(),
  permission: PermissionInput,
  /** A record: is it within the user's level for this permission? */
  recordId: z.uuid().optional(),
  /** The resource a scoped binding must match, for example `entityType:cars`. */
  scope: ScopeInput.optional(),
  /** A read through this policy: its scope counts, its filter and masks apply (docs/policies.md). */
  policy: z.string().regex(POLICY_NAME_PATTERN, 'A policy name is camelCase letters and digits').optional(),
})

/** What a policy says of the explained permission's type: the terms that decided the read. */
export interface ExplainedPolicy {
  readonly name: string
  readonly enabled: boolean
  /** Whether the type is in the policy's segment: if not, nothing of it is read through the policy. */
  readonly covers: boolean
  readonly filter: PolicyFilter | null
  readonly masks: readonly string[]
}

function explainedPolicy(policy: StoredPolicy, entityType: string): ExplainedPolicy {
  const terms = policy.types.find((type) => type.entityType === entityType)
  return {
    name: policy.name,
    enabled: policy.enabled,
    covers: terms !== undefined,
    filter: terms?.filter ?? null,
    masks: terms?.masks ?? [],
  }
}

export const accessRouter = router({
  /**
   * The caller's own effective grants (anonymous: the `public` role's), decided by the
   * same snapshot as the gate: for hiding what a user may not do. The server still judges
   * every call; ask again after a role change.
   */
  mine: booleanProcedure('access.mine').query(async ({ ctx }) => {
    const snapshot = await ctx.accessCache.current(ctx.db)
    const caller = ctx.callerId === null ? null : await snapshot.caller(ctx.db, ctx.callerId)
    const typePermissions = (await snapshot.entityTypes(ctx.db)).flatMap((type) =>
      entityTypePermissions(type.name, type).map((permission) => permission.name),
    )
    return { userId: ctx.callerId, ...callerGrants(snapshot, caller, typePermissions) }
  }),

  /**
   * Would `userId` be allowed `permission` (on `recordId`)? Answers allowed or denied, the
   * effective level, and every role grant that took part, the deciding one first.
   */
  explain: leveledProcedure('access.explain')
    .input(ExplainInput)
    .query(async ({ ctx, input }) => {
      const user = await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.userId)
      // A record outside the caller's own level answers as an unknown one: explaining it
      // must not tell that it exists, nor its type.
      const record =
        input.recordId === undefined
          ? undefined
          : await ctx.db
              .selectFrom('records')
              .innerJoin('entity_types', 'entity_types.id', 'records.entity_type_id')
              .select(['records.id', 'entity_types.name as entityType'])
              .where('records.id', '=', input.recordId)
              .where(ownerWithinLevel('records.owner_id', ctx.actor, ctx.level))
              .executeTakeFirst()
      if (input.recordId !== undefined && !record) throw recordNotFound()
      const kind = await findPermissionKind(ctx.db, input.permission)
      if (!kind) throw unknownPermission(input.permission)
      // The gate's own engine, on the user as it is now (for a type's permission, bindings scoped to that type count).
      const snapshot = await ctx.accessCache.current(ctx.db)
      const facts = await snapshot.caller(ctx.db, user.id)
      const permissionType = entityTypePermissionParts(input.permission)?.entityType
      // A policy the explaining caller may not open is unknown to it, as to a reader.
      const policy =
        input.policy === undefined
          ? undefined
          : await visiblePolicy(
              ctx.db,
              new RecordAccess(snapshot, await snapshot.caller(ctx.db, ctx.actor.id)),
              input.policy,
            )
      // A policy decides reads of the types of its segment only; other permissions are explained as without it.
      const through = policy && permissionType !== undefined ? explainedPolicy(policy, permissionType) : null
      const { grant, sources } = snapshot.explain(
        facts,
        input.permission,
        input.scope ?? null,
        through?.name ?? null,
      )
      const decidedBy = sources.find((source) => source.grant === grant) ?? null
      const level: Level | null = grant !== undefined && isLevel(grant) ? grant : null
      const answer = (allowed: boolean, reason: string) => ({
        allowed,
        kind,
        level,
        decidedBy,
        grants: sources,
        policy: through,
        reason,
      })
      if (through && !through.covers)
        return answer(false, `Entity type ${permissionType} is not in policy ${through.name}`)
      if (through && !through.enabled) return answer(false, `Policy ${through.name} is disabled`)
      if (user.status !== 'active') return answer(false, `The user is ${user.status}`)
      if (grant === undefined) return answer(false, 'No role grants this permission')
      if (!record) return answer(true, `Granted by role ${decidedBy?.role}`)
      if (permissionType !== undefined && permissionType !== record.entityType) {
        return answer(false, `The record is of entity type ${record.entityType}, not ${permissionType}`)
      }
      const withinLevel =
        level === null
          ? true
          : await ctx.db
              .selectFrom('records')
              .select('id')
              .where('id', '=', record.id)
              .where(ownerWithinLevel('records.owner_id', { id: user.id, path: user.path }, level))
              .executeTakeFirst()
              .then(Boolean)
      if (!withinLevel) return answer(false, `The record is outside level ${level}`)
      if (through?.filter && !(await passesFilter(ctx.db, record.id, through.filter)))
        return answer(false, `The record does not match the filter of policy ${through.name}`)
      return answer(true, `Granted by role ${decidedBy?.role}; the record is within ${level ?? 'the grant'}`)
    }),
})

/** Whether the record passes a policy's filter, as a read through the policy decides it (in SQL). */
function passesFilter(db: TrellisDatabase, recordId: string, filter: PolicyFilter): Promise<boolean> {
  return db
    .selectFrom('records')
    .select('records.id')
    .where('records.id', '=', recordId)
    .where(policyFilterCondition(filter))
    .executeTakeFirst()
    .then(Boolean)
}
