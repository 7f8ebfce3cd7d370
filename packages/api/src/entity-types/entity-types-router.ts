import { type EntityTypeDefinition, entityTypePermissions, entityTypeScope } from '@trellis/core'
import {
  deleteEntityType,
  deleteGrantsOf,
  insertEntityType,
  loadEntityTypes,
  selectEntityTypes,
  toCount,
  toStoredEntityType,
  unbindScope,
  updateEntityType,
} from '@trellis/db'
import { byName } from '../pagination/keyset.js'
import { PageOnlyInput } from '../pagination/page-input.js'
import { paginate } from '../pagination/paginate.js'
import { policiesCovering } from '../policies/policy-writes.js'
import { booleanProcedure, entityTypeReadProcedure, router } from '../trpc/init.js'
import { assertValidEntityType } from './entity-type-definition.js'
import {
  entityTypeHasRecords,
  entityTypeInPolicies,
  entityTypeNameTaken,
  entityTypeReferenced,
} from './entity-type-errors.js'
import { CreateEntityTypeInput, EntityTypeNameInput, UpdateEntityTypeInput } from './entity-type-inputs.js'
import { assertReferencedTypesExist } from './entity-type-references.js'
import { toEntityTypeView } from './entity-type-view.js'
import { getEntityType } from './get-entity-type.js'

const permissionNames = (name: string, definition: Pick<EntityTypeDefinition, 'stateMachine' | 'parties'>) =>
  entityTypePermissions(name, definition).map((permission) => permission.name)

/** Entity types (docs/model.md §5): defined at run time, each with a JSON Schema and optional states. */
export const entityTypesRouter = router({
  /** The types the caller may read, by name: all of them, or those its scoped bindings name. */
  list: entityTypeReadProcedure()
    .input(PageOnlyInput)
    .query(async ({ ctx, input }) => {
      // Scoped bindings open types one name at a time, decided in memory: the page is
      // taken among the readable names (the snapshot's types: no query while none changed).
      const names = (await ctx.records.entityTypes(ctx.db)).map((type) => type.name)
      const readable = names.filter((name) => ctx.records.holds('entityTypes.read', name))
      if (readable.length === 0 && names.length > 0) throw ctx.records.refuse('entityTypes.read')
      if (readable.length === 0) return { items: [], nextCursor: null }
      const query = selectEntityTypes(ctx.db).where('name', 'in', readable)
      return paginate(query, byName('entity_types'), input, (row) =>
        toEntityTypeView(toStoredEntityType(row)),
      )
    }),

  get: entityTypeReadProcedure()
    .input(EntityTypeNameInput)
    .query(async ({ ctx, input }) => {
      const type = await getEntityType(ctx.db, input.name)
      if (!ctx.records.holds('entityTypes.read', type.name)) throw ctx.records.refuse('entityTypes.read')
      return toEntityTypeView(type)
    }),

  create: booleanProcedure('entityTypes.create')
    .input(CreateEntityTypeInput)
    .mutation(async ({ ctx, input }) => {
      assertValidEntityType(input.name, input)
      await assertReferencedTypesExist(ctx.db, input.name, input.references)
      if (!(await insertEntityType(ctx.db, input.name, input))) {
        throw entityTypeNameTaken(input.name)
      }
      return toEntityTypeView(await getEntityType(ctx.db, input.name))
    }),

  /**
   * Changes a type's description, schema or state machine. Records already stored are not
   * revalidated (their next write is). Grants of transitions that disappear are removed;
   * records gain the initial state when a machine is added and lose their state when it goes.
   */
  update: booleanProcedure('entityTypes.update')
    .input(UpdateEntityTypeInput)
    .mutation(async ({ ctx, input }) => {
      const current = await getEntityType(ctx.db, input.name, { forUpdate: true })
      const next: EntityTypeDefinition = {
        description: input.description ?? current.description,
        schema: input.schema ?? current.schema,
        stateMachine: input.stateMachine === undefined ? current.stateMachine : input.stateMachine,
        references: input.references === undefined ? current.references : input.references,
        parties: input.parties === undefined ? current.parties : input.parties,
      }
      assertValidEntityType(input.name, next)
      await assertReferencedTypesExist(ctx.db, input.name, next.references)
      // A stored grant must name a real permission: those of transitions that go, go too.
      const kept = new Set(permissionNames(input.name, next))
      await deleteGrantsOf(
        ctx.db,
        permissionNames(input.name, current).filter((permission) => !kept.has(permission)),
      )
      await updateEntityType(ctx.db, current.id, next)
      // Rows of parties the type no longer declares would count for nothing: they go.
      const goneParties = Object.keys(current.parties ?? {}).filter(
        (party) => !Object.hasOwn(next.parties ?? {}, party),
      )
      if (goneParties.length > 0) {
        await ctx.db
          .deleteFrom('record_parties')
          .where('party', 'in', goneParties)
          .where('record_id', 'in', (eb) =>
            eb.selectFrom('records').select('records.id').where('records.entity_type_id', '=', current.id),
          )
          .execute()
      }
      if (next.stateMachine && !current.stateMachine) {
        await ctx.db
          .updateTable('records')
          .set({ status: next.stateMachine.initial })
          .where('entity_type_id', '=', current.id)
          .execute()
      } else if (!next.stateMachine && current.stateMachine) {
        await ctx.db
          .updateTable('records')
          .set({ status: null })
          .where('entity_type_id', '=', current.id)
          .execute()
      }
      return toEntityTypeView(await getEntityType(ctx.db, input.name))
    }),

  /**
   * Deletes a type that has no records and no policy covers (refused otherwise), with the
   * grants of its permissions and the role bindings scoped to it.
   */
  delete: booleanProcedure('entityTypes.delete')
    .input(EntityTypeNameInput)
    .mutation(async ({ ctx, input }) => {
      const type = await getEntityType(ctx.db, input.name, { forUpdate: true })
      const { count } = await ctx.db
        .selectFrom('records')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('entity_type_id', '=', type.id)
        .executeTakeFirstOrThrow()
      const records = toCount(count)
      if (records > 0) throw entityTypeHasRecords(input.name, records)
      // Policies lock the types they cover while saved: this sees every committed one.
      const policies = await policiesCovering(ctx.db, type.id)
      if (policies.length > 0) throw entityTypeInPolicies(input.name, policies)
      const referrers = (await loadEntityTypes(ctx.db)).filter(
        (other) => other.name !== type.name && Object.values(other.references ?? {}).includes(type.name),
      )
      if (referrers.length > 0)
        throw entityTypeReferenced(
          input.name,
          referrers.map((other) => other.name),
        )
      await deleteGrantsOf(ctx.db, permissionNames(type.name, type))
      const removedBindings = await unbindScope(ctx.db, entityTypeScope(type.name))
      await deleteEntityType(ctx.db, type.id)
      return { name: type.name, removedBindings }
    }),
})
