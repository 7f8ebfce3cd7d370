import type { Level } from '@trellis/core'
import { type Actor, ownerWithinLevel, type TrellisDatabase } from '@trellis/db'
import { z } from 'zod'
import { text } from '../inputs/text.js'
import { newestFirst } from '../pagination/keyset.js'
import { PageInput } from '../pagination/page-input.js'
import { paginate } from '../pagination/paginate.js'
import { leveledProcedure, router } from '../trpc/init.js'
import { findVisibleUser } from '../users/find-visible-user.js'
import { apiKeyNotFound, notAServiceAccount } from './api-key-errors.js'
import { API_KEY_VIEW_COLUMNS, toApiKeyView } from './api-key-view.js'
import { issueApiKey } from './issue-api-key.js'

const KeyIdInput = z.object({ id: z.uuid() })

/** A service account within the caller's level; a person is refused (people log in with passwords). */
async function findVisibleService(db: TrellisDatabase, actor: Actor, level: Level, userId: string) {
  await findVisibleUser(db, actor, level, userId)
  const user = await db.selectFrom('users').select('kind').where('id', '=', userId).executeTakeFirstOrThrow()
  if (user.kind !== 'service') throw notAServiceAccount()
}

/** An unrevoked key whose service account is within the caller's level. */
async function findVisibleKey(db: TrellisDatabase, actor: Actor, level: Level, id: string) {
  const key = await db
    .selectFrom('api_keys')
    .select(['api_keys.id', 'api_keys.user_id', 'api_keys.name'])
    .where('api_keys.id', '=', id)
    .where('api_keys.revoked_at', 'is', null)
    .where(ownerWithinLevel('api_keys.user_id', actor, level))
    .executeTakeFirst()
  if (!key) throw apiKeyNotFound()
  return key
}

export const apiKeysRouter = router({
  /** Issues a key for a service account. The returned `key` is shown once. */
  create: leveledProcedure('apiKeys.create')
    .input(z.object({ userId: z.uuid(), name: text().trim().max(100).default('') }))
    .mutation(async ({ ctx, input }) => {
      await findVisibleService(ctx.db, ctx.actor, ctx.level, input.userId)
      return issueApiKey(ctx.db, input.userId, input.name)
    }),

  /** The keys of a service account, newest first, without secrets. */
  list: leveledProcedure('apiKeys.read')
    .input(z.object({ userId: z.uuid(), ...PageInput }))
    .query(async ({ ctx, input }) => {
      await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.userId)
      const query = ctx.db
        .selectFrom('api_keys')
        .select(API_KEY_VIEW_COLUMNS)
        .where('api_keys.user_id', '=', input.userId)
      return paginate(query, newestFirst('api_keys', 'created_at'), input, toApiKeyView)
    }),

  /** Replaces a key with a new one of the same name; the old one stops working at once. */
  rotate: leveledProcedure('apiKeys.create')
    .input(KeyIdInput)
    .mutation(async ({ ctx, input }) => {
      const old = await findVisibleKey(ctx.db, ctx.actor, ctx.level, input.id)
      await ctx.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', old.id).execute()
      return issueApiKey(ctx.db, old.user_id, old.name)
    }),

  revoke: leveledProcedure('apiKeys.revoke')
    .input(KeyIdInput)
    .mutation(async ({ ctx, input }) => {
      const key = await findVisibleKey(ctx.db, ctx.actor, ctx.level, input.id)
      const row = await ctx.db
        .updateTable('api_keys')
        .set({ revoked_at: new Date() })
        .where('id', '=', key.id)
        .returning(API_KEY_VIEW_COLUMNS)
        .executeTakeFirstOrThrow()
      return toApiKeyView(row)
    }),
})
