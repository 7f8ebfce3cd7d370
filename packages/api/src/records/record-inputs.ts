import { MAX_PARTIES_PER_RECORD } from '@trellis/core'
import { z } from 'zod'
import { dateTimeInput } from '../inputs/date-time.js'
import { jsonObject } from '../inputs/json-object.js'
import { keyedRecord } from '../inputs/keyed-record.js'
import { text } from '../inputs/text.js'
import { PageInput } from '../pagination/page-input.js'

/** A record's data: a JSON object, checked against its type's schema by the router. */
export const RecordData = jsonObject(256 * 1024)

const EntityTypeName = text().min(1).max(63)

export const RecordIdInput = z.object({ id: z.uuid() })

export const CreateRecordInput = z.object({
  entityType: EntityTypeName,
  /** Who owns the new record: a user within the caller's create level; the caller by default. */
  ownerId: z.uuid().optional(),
  data: RecordData,
  /** Users of each party given as users (`from: 'users'`), by party name. */
  parties: keyedRecord(z.array(z.uuid()).max(MAX_PARTIES_PER_RECORD), text().min(1).max(63)).optional(),
})

/** One user of one party of a record. */
export const RecordPartyInput = z.object({ id: z.uuid(), party: text().min(1).max(63), userId: z.uuid() })

export const UpdateRecordInput = z.object({ id: z.uuid(), data: RecordData })

export const TransitionRecordInput = z.object({
  id: z.uuid(),
  name: text().min(1).max(63),
  /** Fields to write with the move; only those the transition declares. */
  data: RecordData.optional(),
})

export const ListRecordsInput = z
  .object({
    entityType: EntityTypeName.optional(),
    ownerId: z.uuid().optional(),
    /** Records owned by this user or anyone below it. */
    subtreeOf: z.uuid().optional(),
    status: text().min(1).max(63).optional(),
    /** Inclusive lower bound of `createdAt`. */
    createdAfter: dateTimeInput().optional(),
    /** Exclusive upper bound of `createdAt`. */
    createdBefore: dateTimeInput().optional(),
    ...PageInput,
  })
  .refine(
    (input) =>
      !input.createdAfter ||
      !input.createdBefore ||
      new Date(input.createdAfter) < new Date(input.createdBefore),
    { message: 'createdAfter must be before createdBefore', path: ['createdBefore'] },
  )
