import { z } from 'zod'
import { jsonObject } from '../inputs/json-object.js'
import { keyedRecord } from '../inputs/keyed-record.js'
import { text } from '../inputs/text.js'

const Name = text().min(1).max(63)
const StateName = text().min(1).max(63)

const TransitionInput = z.object({
  from: z.array(StateName).min(1).max(50),
  to: StateName,
  /** Data fields the transition may write along with the state change. */
  fields: z.array(text().min(1).max(100)).max(50).optional(),
})

const StateMachineInput = z.object({
  initial: StateName,
  transitions: keyedRecord(TransitionInput, Name),
})

/** A JSON Schema: any JSON object, compiled and checked by the router. */
const JsonSchemaInput = jsonObject(64 * 1024)

/** Data fields holding another record's id, by entity type: `{ destinationId: 'destinations' }`. */
const ReferencesInput = keyedRecord(Name, text().min(1).max(100))

/** A party: users given by writers, or the owner of the record a reference field names. */
const PartyInput = z.object({
  description: text().max(500).optional(),
  from: z.union([z.literal('users'), z.object({ reference: text().min(1).max(100) })]),
  /** Record actions or transition names the party counts for; `['read']` by default. */
  actions: z.array(Name).max(50).optional(),
  reaches: z.enum(['user', 'members']).optional(),
})

const PartiesInput = keyedRecord(PartyInput, Name)

export const EntityTypeNameInput = z.object({ name: Name })

export const CreateEntityTypeInput = z.object({
  name: Name,
  description: text().max(500).default(''),
  schema: JsonSchemaInput,
  stateMachine: StateMachineInput.optional(),
  references: ReferencesInput.optional(),
  parties: PartiesInput.optional(),
})

/** The name stays: the type's permissions are named after it. */
export const UpdateEntityTypeInput = z.object({
  name: Name,
  description: text().max(500).optional(),
  schema: JsonSchemaInput.optional(),
  /** `null` removes the state machine. */
  stateMachine: StateMachineInput.nullable().optional(),
  /** `null` removes them. */
  references: ReferencesInput.nullable().optional(),
  /** `null` removes them, with every record's rows of them. */
  parties: PartiesInput.nullable().optional(),
})
