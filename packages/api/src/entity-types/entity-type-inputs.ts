import { z } from 'zod'

const Name = z.string().min(1).max(63)
const StateName = z.string().min(1).max(63)

const TransitionInput = z.object({
  from: z.array(StateName).min(1).max(50),
  to: StateName,
  /** Data fields the transition may write along with the state change. */
  fields: z.array(z.string().min(1).max(100)).max(50).optional(),
})

const StateMachineInput = z.object({
  initial: StateName,
  transitions: z.record(Name, TransitionInput),
})

const MAX_SCHEMA_BYTES = 64 * 1024

/** A JSON Schema: any JSON object, compiled and checked by the router. */
const JsonSchemaInput = z
  .record(z.string(), z.unknown())
  .refine((schema) => JSON.stringify(schema).length <= MAX_SCHEMA_BYTES, 'must be at most 64 KiB of JSON')

/** Data fields holding another record's id, by entity type: `{ destinationId: 'destinations' }`. */
const ReferencesInput = z.record(z.string().min(1).max(100), Name)

export const EntityTypeNameInput = z.object({ name: Name })

export const CreateEntityTypeInput = z.object({
  name: Name,
  description: z.string().max(500).default(''),
  schema: JsonSchemaInput,
  stateMachine: StateMachineInput.optional(),
  references: ReferencesInput.optional(),
})

/** The name stays: the type's permissions are named after it. */
export const UpdateEntityTypeInput = z.object({
  name: Name,
  description: z.string().max(500).optional(),
  schema: JsonSchemaInput.optional(),
  /** `null` removes the state machine. */
  stateMachine: StateMachineInput.nullable().optional(),
  /** `null` removes them. */
  references: ReferencesInput.nullable().optional(),
})
