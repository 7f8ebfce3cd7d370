import { MAX_PARTIES_PER_RECORD, POLICY_NAME_PATTERN } from '@trellis/core'
import { z } from 'zod'
import { dateTimeInput } from '../inputs/date-time.js'
import { jsonObject } from '../inputs/json-object.js'
import { keyedRecord } from '../inputs/keyed-record.js'
import { text } from '../inputs/text.js'
import { PageInput, TotalInput } from '../pagination/page-input.js'

/** A record's data: a JSON object, checked against its type's schema by the router. */
export const RecordData = jsonObject(256 * 1024)

const EntityTypeName = text().min(1).max(63)

export const RecordIdInput = z.object({ id: z.uuid() })

/** The policy a read is made through (docs/policies.md); without it, policy-scoped bindings count for nothing. */
const ThroughPolicy = {
  policy: z.string().regex(POLICY_NAME_PATTERN, 'A policy name is camelCase letters and digits').optional(),
}

export const GetRecordInput = z.object({ id: z.uuid(), ...ThroughPolicy })

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

/** The filters every read of many records takes (records.list, records.aggregate). */
const RecordFilterFields = {
  ownerId: z.uuid().optional(),
  /** Records owned by this user or anyone below it. */
  subtreeOf: z.uuid().optional(),
  status: text().min(1).max(63).optional(),
  /** Inclusive lower bound of `createdAt`. */
  createdAfter: dateTimeInput().optional(),
  /** Exclusive upper bound of `createdAt`. */
  createdBefore: dateTimeInput().optional(),
}

/** The filters' one rule across fields: a created-at range that is not empty by construction. */
function withCreatedRange<T extends z.ZodType<{ createdAfter?: string; createdBefore?: string }>>(input: T) {
  return input.refine(
    (input) =>
      !input.createdAfter ||
      !input.createdBefore ||
      new Date(input.createdAfter) < new Date(input.createdBefore),
    { message: 'createdAfter must be before createdBefore', path: ['createdBefore'] },
  )
}

export const ListRecordsInput = withCreatedRange(
  z.object({
    entityType: EntityTypeName.optional(),
    ...RecordFilterFields,
    ...ThroughPolicy,
    ...PageInput,
    ...TotalInput,
  }),
)

/** A data field named in an aggregate: one of the type's schema `properties`. */
const FieldName = text().min(1).max(200)
const Fields = z.array(FieldName).max(20)

/** The buckets `records.aggregate` groups `createdAt` into, in UTC (weeks start on Monday). */
export const TIME_BUCKETS = ['day', 'week', 'month'] as const

/**
 * What records.aggregate groups by: a scalar data field, a bucket of `createdAt`, or the
 * users of one of the type's parties (`{ party: 'merchant' }`). One variant per kind of key.
 */
const GroupBy = z.union([
  z.strictObject({ field: FieldName }),
  z.strictObject({ bucket: z.enum(TIME_BUCKETS) }),
  z.strictObject({ party: text().min(1).max(63) }),
])

export const AggregateRecordsInput = withCreatedRange(
  z.object({
    entityType: EntityTypeName,
    /** Numeric data fields to total; `count` (of records) is always given. */
    sum: Fields.optional(),
    min: Fields.optional(),
    max: Fields.optional(),
    groupBy: GroupBy.optional(),
    ...RecordFilterFields,
    ...ThroughPolicy,
  }),
)
