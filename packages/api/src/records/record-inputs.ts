import { z } from 'zod'
import { PageInput } from '../pagination/cursor.js'

const MAX_DATA_BYTES = 256 * 1024

/** A record's data: a JSON object, checked against its type's schema by the router. */
export const RecordData = z
  .record(z.string(), z.unknown())
  .refine((data) => JSON.stringify(data).length <= MAX_DATA_BYTES, 'must be at most 256 KiB of JSON')

const EntityTypeName = z.string().min(1).max(63)

export const RecordIdInput = z.object({ id: z.uuid() })

export const CreateRecordInput = z.object({
  entityType: EntityTypeName,
  /** Who owns the new record: a user within the caller's create level; the caller by default. */
  ownerId: z.uuid().optional(),
  data: RecordData,
})

export const UpdateRecordInput = z.object({ id: z.uuid(), data: RecordData })

export const TransitionRecordInput = z.object({
  id: z.uuid(),
  name: z.string().min(1).max(63),
  /** Fields to write with the move; only those the transition declares. */
  data: RecordData.optional(),
})

export const ListRecordsInput = z
  .object({
    entityType: EntityTypeName.optional(),
    ownerId: z.uuid().optional(),
    /** Records owned by this user or anyone below it. */
    subtreeOf: z.uuid().optional(),
    status: z.string().min(1).max(63).optional(),
    /** Inclusive lower bound of `createdAt`. */
    createdAfter: z.iso.datetime({ offset: true }).optional(),
    /** Exclusive upper bound of `createdAt`. */
    createdBefore: z.iso.datetime({ offset: true }).optional(),
    ...PageInput,
  })
  .refine(
    (input) =>
      !input.createdAfter ||
      !input.createdBefore ||
      new Date(input.createdAfter) < new Date(input.createdBefore),
    { message: 'createdAfter must be before createdBefore', path: ['createdBefore'] },
  )
