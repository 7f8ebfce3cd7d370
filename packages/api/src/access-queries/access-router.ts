import { entityTypePermissions, isLevel, type Level } from '@trellis/core'
import { ownerWithinLevel } from '@trellis/db'
import { z } from 'zod'
import { callerGrants } from '../access/access-snapshot.js'
import { PermissionInput, ScopeInput } from '../access/permission-input.js'
import { findPermissionKind } from '../access/permission-kind.js'
import { entityTypePermissionParts } from '../access/record-permission.js'
import { unknownPermission } from '../errors/access-errors.js'
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
})

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
      const { grant, sources } = snapshot.explain(facts, input.permission, input.scope ?? null)
      const decidedBy = sources.find((source) => source.grant === grant) ?? null
      const level: Level | null = grant !== undefined && isLevel(grant) ? grant : null
      const answer = (allowed: boolean, reason: string) => ({
        allowed,
        kind,
        level,
        decidedBy,
        grants: sources,
        reason,
      })
      if (user.status !== 'active') return answer(false, `The user is ${user.status}`)
      if (grant === undefined) return answer(false, 'No role grants this permission')
      if (!record) return answer(true, `Granted by role ${decidedBy?.role}`)
      const permissionType = entityTypePermissionParts(input.permission)?.entityType
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
      return answer(
        withinLevel,
        withinLevel
          ? `Granted by role ${decidedBy?.role}; the record is within ${level ?? 'the grant'}`
          : `The record is outside level ${level}`,
      )
    }),
})
