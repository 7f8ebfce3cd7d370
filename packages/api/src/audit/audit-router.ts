import { AUDIT_OUTCOMES } from '@trellis/core'
import { ownerWithinLevel } from '@trellis/db'
import { z } from 'zod'
import { dateTimeInput } from '../inputs/date-time.js'
import { text } from '../inputs/text.js'
import { newestFirst } from '../pagination/keyset.js'
import { listTotal } from '../pagination/list-total.js'
import { PageInput, TotalInput } from '../pagination/page-input.js'
import { paginate } from '../pagination/paginate.js'
import { leveledProcedure, router } from '../trpc/init.js'

const ListAuditInput = z.object({
  ...PageInput,
  ...TotalInput,
  actorId: z.uuid().optional(),
  permission: text().min(1).max(100).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  /** Only reads made through this policy. */
  policy: text().min(1).max(63).optional(),
  from: dateTimeInput().optional(),
  to: dateTimeInput().optional(),
})

export const auditRouter = router({
  /** Audit events the caller may see (at OWNED: what its subtree did), newest first. */
  list: leveledProcedure('audit.read')
    .input(ListAuditInput)
    .query(async ({ ctx, input }) => {
      let query = ctx.db
        .selectFrom('audit_events')
        .selectAll()
        .where(ownerWithinLevel('audit_events.owner_id', ctx.actor, ctx.level))
      if (input.actorId) query = query.where('actor_id', '=', input.actorId)
      if (input.permission) query = query.where('permission', '=', input.permission)
      if (input.outcome) query = query.where('outcome', '=', input.outcome)
      if (input.policy) query = query.where('policy', '=', input.policy)
      if (input.from) query = query.where('occurred_at', '>=', new Date(input.from))
      if (input.to) query = query.where('occurred_at', '<', new Date(input.to))
      const page = await paginate(query, newestFirst('audit_events', 'occurred_at'), input, (row) => ({
        id: row.id,
        occurredAt: row.occurred_at.toISOString(),
        actorId: row.actor_id,
        permission: row.permission,
        procedure: row.procedure,
        targetId: row.target_id,
        outcome: row.outcome,
        errorCode: row.error_code,
        requestId: row.request_id,
        /** The policy a read was made through; null for every other call. */
        policy: row.policy,
      }))
      return input.withTotal ? { ...page, total: await listTotal(ctx.db, query) } : page
    }),
})
