import { type EntityTypeDefinition, entityTypePermissions, entityTypeScope } from '@trellis/core'
import { isUniqueViolation, type TrellisDatabase, toCount } from '@trellis/db'
import { TrellisError } from '../errors/trellis-error.js'
import { byName } from '../pagination/keyset.js'
import { PageOnlyInput } from '../pagination/page-input.js'
import { paginate } from '../pagination/paginate.js'
import { booleanProcedure, entityTypeReadProcedure, router } from '../trpc/init.js'
import { assertValidEntityType } from './entity-type-definition.js'
import { CreateEntityTypeInput, EntityTypeNameInput, UpdateEntityTypeInput } from './entity-type-inputs.js'
import { assertReferencedTypesExist } from './entity-type-references.js'
import {
  ENTITY_TYPE_COLUMNS,
  entityTypeColumns,
  getEntityType,
  loadEntityTypes,
  toStoredEntityType,
} from './entity-type-store.js'
import { toEntityTypeView } from './entity-type-view.js'

/** Removes grants of permissions a type no longer declares: a stored grant must name a real permission. */
async function dropGrants(db: TrellisDatabase, permissions: readonly string[]): Promise<void> {
  if (permissions.length === 0) return
  await db.deleteFrom('role_grants').where('permission', 'in', permissions).execute()
}

const permissionNames = (name: string, definition: Pick<EntityTypeDefinition, 'stateMachine'>) =>
  entityTypePermissions(name, definition).map((permission) => permission.name)

/** Entity types (docs/model.md §5): defined at run time, each with a JSON Schema and optional states. */
export const entityTypesRouter = router({
  /** The types the caller may read, by name: all of them, or those its scoped bindings name. */
  list: entityTypeReadProcedure()
    .input(PageOnlyInput)
    .query(async ({ ctx, input }) => {
      // Scoped bindings open types one name at a time, decided in memory: the page is
      // taken among the readable names.
      const names = await ctx.db.selectFrom('entity_types').select('name').execute()
      const readable = names
        .map(({ name }) => name)
        .filter((name) => ctx.records.holds('entityTypes.read', name))
      if (readable.length === 0 && names.length > 0) throw ctx.records.refuse('entityTypes.read')
      if (readable.length === 0) return { items: [], nextCursor: null }
      const query = ctx.db
        .selectFrom('entity_types')
        .select(ENTITY_TYPE_COLUMNS)
        .where('name', 'in', readable)
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
      try {
        await ctx.db
          .insertInto('entity_types')
          .values({ name: input.name, ...entityTypeColumns(input) })
          .execute()
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new TrellisError({
            code: 'CONFLICT',
            reason: 'NAME_TAKEN',
            message: `Entity type ${input.name} already exists`,
          })
        }
        throw error
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
      }
      assertValidEntityType(input.name, next)
      await assertReferencedTypesExist(ctx.db, input.name, next.references)
      const kept = new Set(permissionNames(input.name, next))
      await dropGrants(
        ctx.db,
        permissionNames(input.name, current).filter((permission) => !kept.has(permission)),
      )
      await ctx.db
        .updateTable('entity_types')
        .set({ ...entityTypeColumns(next), updated_at: new Date() })
        .where('id', '=', current.id)
        .execute()
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
   * Deletes a type that has no records (refused otherwise), with the grants of its
   * permissions and the role bindings scoped to it.
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
      if (records > 0) {
        throw new TrellisError({
          code: 'CONFLICT',
          reason: 'STILL_REFERENCED',
          message: `Entity type ${input.name} still has ${records} record(s): delete them first`,
        })
      }
      const referrers = (await loadEntityTypes(ctx.db)).filter(
        (other) => other.name !== type.name && Object.values(other.references ?? {}).includes(type.name),
      )
      if (referrers.length > 0) {
        throw new TrellisError({
          code: 'CONFLICT',
          reason: 'STILL_REFERENCED',
          message: `Entity type ${input.name} is referenced by ${referrers.map((other) => other.name).join(', ')}: remove those references first`,
        })
      }
      await dropGrants(ctx.db, permissionNames(type.name, type))
      const { numDeletedRows } = await ctx.db
        .deleteFrom('user_roles')
        .where('scope', '=', entityTypeScope(type.name))
        .executeTakeFirst()
      await ctx.db.deleteFrom('entity_types').where('id', '=', type.id).execute()
      return { name: type.name, removedBindings: Number(numDeletedRows) }
    }),
})
