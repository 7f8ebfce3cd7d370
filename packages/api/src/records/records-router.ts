import { type StoredEntityType, type TrellisDatabase, userWithinLevel } from '@trellis/db'
import { getEntityType } from '../entity-types/get-entity-type.js'
import { unauthorized } from '../errors/access-errors.js'
import { answered, openPolicyRead, type PolicyRead } from '../policies/policy-read.js'
import { recordProcedure, router } from '../trpc/init.js'
import type { RecordGate } from '../trpc/record-gate.js'
import { userNotFound } from '../users/user-errors.js'
import { aggregateRecords } from './aggregate-records.js'
import { findRecordFor } from './find-record.js'
import { listRecords } from './list-records.js'
import { assertRecordData } from './record-data.js'
import {
  AggregateRecordsInput,
  CreateRecordInput,
  GetRecordInput,
  ListRecordsInput,
  RecordIdInput,
  RecordPartyInput,
  TransitionRecordInput,
  UpdateRecordInput,
} from './record-inputs.js'
import {
  addParty,
  assertNewParties,
  insertParties,
  type PartyChange,
  partiesOf,
  removeParty,
  syncDerivedParties,
} from './record-parties.js'
import { RECORD_COLUMNS, type RecordView, toRecordView } from './record-view.js'
import { transitionRecord } from './transition-record.js'

/** A party change on the locked record the caller may manage the parties of; the record as it is then. */
async function changeParty(
  db: TrellisDatabase,
  access: RecordGate,
  change: PartyChange,
  apply: (
    db: TrellisDatabase,
    access: RecordGate,
    type: StoredEntityType,
    change: PartyChange,
  ) => Promise<void>,
): Promise<RecordView> {
  const { record, entityType } = await findRecordFor(db, access, change.id, 'manageParties', { lock: true })
  await apply(db, access, entityType, change)
  return toRecordView(record, entityType.name, await partiesOf(db, record.id, entityType))
}

/** A read through `policy` opened (docs/policies.md), or undefined for an ordinary read. */
function policyReadOf(
  db: TrellisDatabase,
  access: RecordGate,
  policy: string | undefined,
): Promise<PolicyRead | undefined> {
  return policy === undefined ? Promise.resolve(undefined) : openPolicyRead(db, access, policy)
}

/** Records of every entity type (docs/model.md §5), each decided per type and filtered in SQL by level. */
export const recordsRouter = router({
  /** A record owned by the caller or, given `ownerId`, by a user within its create level. */
  create: recordProcedure('create')
    .input(CreateRecordInput)
    .mutation(async ({ ctx, input }) => {
      // Both rows stay locked until the record is stored: a type or owner deleted meanwhile
      // waits for it (and then sees it), or has gone first and the create is NOT_FOUND.
      const type = await getEntityType(ctx.db, input.entityType, { forShare: true })
      const grant = ctx.records.require(type.name, 'create')
      // A record needs an owner: an anonymous caller cannot create one even at ALL.
      if (grant.actor === null) throw unauthorized()
      const ownerId = input.ownerId ?? grant.actor.id
      const owner = await ctx.db
        .selectFrom('users')
        .select('users.id')
        .where('users.id', '=', ownerId)
        .where(userWithinLevel('users', grant.actor, grant.level))
        .forShare()
        .executeTakeFirst()
      if (!owner) throw userNotFound()
      await assertRecordData(ctx.db, ctx.records, type, input.data)
      const parties = input.parties ?? {}
      await assertNewParties(ctx.db, ctx.records, type, parties)
      const row = await ctx.db
        .insertInto('records')
        .values({
          entity_type_id: type.id,
          owner_id: ownerId,
          status: type.stateMachine?.initial ?? null,
          data: JSON.stringify(input.data),
        })
        .returning(RECORD_COLUMNS)
        .executeTakeFirstOrThrow()
      await insertParties(ctx.db, row.id, parties)
      await syncDerivedParties(ctx.db, type, row.id, input.data, {})
      return toRecordView(row, type.name, await partiesOf(ctx.db, row.id, type))
    }),

  /** One record; through `policy`, only one the policy serves, its masked fields removed. */
  get: recordProcedure('read')
    .input(GetRecordInput)
    .query(async ({ ctx, input }) => {
      const read = await policyReadOf(ctx.db, ctx.records, input.policy)
      const { record, entityType } = await findRecordFor(ctx.db, read?.gate ?? ctx.records, input.id, 'read')
      const view = toRecordView(record, entityType.name, await partiesOf(ctx.db, record.id, entityType))
      return answered(read, read ? read.masked(view) : view)
    }),

  /** A page of the records the caller reads (through `policy`: those it serves, masked). */
  list: recordProcedure('read')
    .input(ListRecordsInput)
    .query(async ({ ctx, input }) => {
      const read = await policyReadOf(ctx.db, ctx.records, input.policy)
      const page = await listRecords(ctx.db, read?.gate ?? ctx.records, input)
      return answered(read, read ? { ...page, items: page.items.map(read.masked) } : page)
    }),

  /**
   * Count, sum, min and max of numeric data fields over the records of one type the caller
   * reads, under the same level filter and filters as `list`; optionally grouped. Through
   * `policy`, over the records it serves, and never of a field it masks.
   */
  aggregate: recordProcedure('read')
    .input(AggregateRecordsInput)
    .query(async ({ ctx, input }) => {
      const read = await policyReadOf(ctx.db, ctx.records, input.policy)
      return answered(read, await aggregateRecords(ctx.db, read?.gate ?? ctx.records, input))
    }),

  /** Replaces a record's data, checked against its type's schema. */
  update: recordProcedure('update')
    .input(UpdateRecordInput)
    .mutation(async ({ ctx, input }) => {
      const { record, entityType } = await findRecordFor(ctx.db, ctx.records, input.id, 'update', {
        lock: true,
      })
      const previous = record.data as Record<string, unknown>
      await assertRecordData(ctx.db, ctx.records, entityType, input.data, previous)
      const row = await ctx.db
        .updateTable('records')
        .set({ data: JSON.stringify(input.data), updated_at: new Date() })
        .where('id', '=', input.id)
        .returning(RECORD_COLUMNS)
        .executeTakeFirstOrThrow()
      await syncDerivedParties(ctx.db, entityType, row.id, input.data, previous)
      return toRecordView(row, entityType.name, await partiesOf(ctx.db, row.id, entityType))
    }),

  delete: recordProcedure('delete')
    .input(RecordIdInput)
    .mutation(async ({ ctx, input }) => {
      const { entityType } = await findRecordFor(ctx.db, ctx.records, input.id, 'delete', { lock: true })
      await ctx.db.deleteFrom('records').where('id', '=', input.id).execute()
      return { id: input.id, entityType: entityType.name }
    }),

  /**
   * Moves a record along one of its type's transitions. The permission (`<type>.<name>`),
   * the level and the current state are checked on the locked row in the call's
   * transaction, so two racing calls apply once: the second finds the new state. The
   * effects registered for the transition (docs/effects.md) run in that transaction too.
   */
  transition: recordProcedure('transition')
    .input(TransitionRecordInput)
    .mutation(({ ctx, input }) =>
      transitionRecord(ctx.db, ctx.records, input, {
        registrations: ctx.effects ?? [],
        call: { actorId: ctx.callerId, requestId: ctx.requestId, clientAddress: ctx.clientAddress },
      }),
    ),

  /**
   * Adds a user to one of a record's parties given as users (`<type>.manageParties`). The
   * record stays locked until the call ends, so racing adds and removes take turns and a
   * user added twice is stored once; the user must be one the caller reads.
   */
  addParty: recordProcedure('manageParties')
    .input(RecordPartyInput)
    .mutation(({ ctx, input }) => changeParty(ctx.db, ctx.records, input, addParty)),

  /** Removes a user from one of a record's parties given as users; an absent one changes nothing. */
  removeParty: recordProcedure('manageParties')
    .input(RecordPartyInput)
    .mutation(({ ctx, input }) => changeParty(ctx.db, ctx.records, input, removeParty)),
})
