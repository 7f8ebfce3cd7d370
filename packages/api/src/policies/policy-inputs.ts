import { POLICY_NAME_PATTERN, type PolicyFilter } from '@trellis/core'
import { z } from 'zod'
import { keyedRecord } from '../inputs/keyed-record.js'
import { isStorableText, text, UNSTORABLE_TEXT_MESSAGE } from '../inputs/text.js'

// Every object below is strict: a misspelt key (`mask`, `license`, `ratePerSec`) would
// otherwise be dropped without a word, and the policy would show more than meant.

/** How deep `and`/`or`/`not` may nest around a comparison (a lone comparison is 1). */
export const MAX_FILTER_DEPTH = 8
/** The most comparisons one filter makes. */
export const MAX_FILTER_COMPARISONS = 200
/** The most values an `in` list holds. */
export const MAX_IN_VALUES = 500
/** The most entity types one policy covers. */
export const MAX_POLICY_TYPES = 50

export const PolicyName = z
  .string()
  .regex(POLICY_NAME_PATTERN, 'A policy name is letters and digits, starting with a lowercase letter')

const EntityTypeName = text().min(1).max(63)
const FieldName = text().min(1).max(100)
const Scalar = z.union([text().max(1000), z.number(), z.boolean()], {
  error: 'A value is a string, a number or a boolean',
})
/** A number, or a date as ISO text (checked against the field's schema when saved). */
const Bound = z.union([z.number(), text().max(40)], { error: 'A bound is a number or a date' })

const Range = z
  .strictObject({ gt: Bound.optional(), gte: Bound.optional(), lt: Bound.optional(), lte: Bound.optional() })
  .refine((range) => Object.values(range).some((bound) => bound !== undefined), {
    message: 'A range needs at least one of gt, gte, lt, lte',
  })

// One schema per kind of node, chosen by the node's operator key: a union would answer a
// mistake in one kind with the issues of all seven.
const FILTER_NODES = {
  eq: z.strictObject({ field: FieldName, eq: Scalar }),
  in: z.strictObject({ field: FieldName, in: z.array(Scalar).min(1).max(MAX_IN_VALUES) }),
  range: z.strictObject({ field: FieldName, range: Range }),
  exists: z.strictObject({ field: FieldName, exists: z.boolean() }),
  and: z.strictObject({ and: z.lazy(() => z.array(Filter).min(1).max(MAX_FILTER_COMPARISONS)) }),
  or: z.strictObject({ or: z.lazy(() => z.array(Filter).min(1).max(MAX_FILTER_COMPARISONS)) }),
  not: z.strictObject({ not: z.lazy(() => Filter) }),
} as const
type FilterOperator = keyof typeof FILTER_NODES
const FILTER_OPERATORS = Object.keys(FILTER_NODES) as FilterOperator[]

const Filter = z.unknown().transform((node, ctx): PolicyFilter => {
  const operators =
    typeof node === 'object' && node !== null && !Array.isArray(node)
      ? FILTER_OPERATORS.filter((operator) => Object.hasOwn(node, operator))
      : []
  if (operators.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: `A filter is an object with exactly one of ${FILTER_OPERATORS.join(', ')}`,
    })
    return z.NEVER
  }
  const parsed = FILTER_NODES[operators[0]!].safeParse(node)
  if (parsed.success) return parsed.data as PolicyFilter
  for (const issue of parsed.error.issues)
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path })
  return z.NEVER
})

/** What is too big about a filter, found by walking it without recursion (it may be hostile). */
function filterSizeProblem(filter: unknown): string | undefined {
  const pending: { node: unknown; depth: number }[] = [{ node: filter, depth: 1 }]
  let comparisons = 0
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!
    if (typeof node !== 'object' || node === null) continue
    if (depth > MAX_FILTER_DEPTH) return `must not nest deeper than ${MAX_FILTER_DEPTH} levels`
    const { and, or, not, in: values } = node as Record<string, unknown>
    if ('field' in node && ++comparisons > MAX_FILTER_COMPARISONS)
      return `must make at most ${MAX_FILTER_COMPARISONS} comparisons`
    if (Array.isArray(values) && values.length > MAX_IN_VALUES)
      return `an "in" list holds at most ${MAX_IN_VALUES} values`
    for (const parts of [and, or]) {
      if (!Array.isArray(parts)) continue
      if (parts.length > MAX_FILTER_COMPARISONS)
        return `must make at most ${MAX_FILTER_COMPARISONS} comparisons`
      for (const part of parts) pending.push({ node: part, depth: depth + 1 })
    }
    if (not !== undefined) pending.push({ node: not, depth: depth + 1 })
  }
  return undefined
}

/**
 * A policy's record filter (docs/policies.md, "Filters"): comparisons of top-level data
 * fields combined with non-empty `and`/`or` and `not`. Its size is checked first, so a
 * hostile filter (10,000 nodes deep, a huge `in`) is refused before it is parsed.
 */
export const PolicyFilterInput = z
  .unknown()
  .superRefine((filter, ctx) => {
    const problem = filterSizeProblem(filter)
    if (problem) ctx.addIssue({ code: 'custom', message: `A filter ${problem}` })
  })
  .pipe(Filter) as unknown as z.ZodType<PolicyFilter, PolicyFilter>

/** The part of the policy's data segment for one entity type. */
const PolicyTypeInput = z.strictObject({
  /** Omitted: every record of the type (within the reader's level). */
  filter: PolicyFilterInput.optional(),
  /** Data fields removed from every record read through the policy. */
  masks: z.array(FieldName).max(100).optional(),
})

/** The data segment: the entity types covered, by name. */
export const PolicyTypesInput = keyedRecord(PolicyTypeInput, EntityTypeName).refine(
  (types) => {
    const count = Object.keys(types).length
    return count >= 1 && count <= MAX_POLICY_TYPES
  },
  { message: `A policy covers 1 to ${MAX_POLICY_TYPES} entity types` },
)

export const PolicyQuotaInput = z.strictObject({
  calls: z.int().min(1).max(1_000_000_000),
  period: z.enum(['day', 'week', 'month']),
})

export const RatePerSecondInput = z.int().min(1).max(1_000_000)

/** A link in the legal context: http(s) only, so no `javascript:` reaches a consumer's page. */
const HttpLink = z
  .url({ protocol: /^https?$/, error: 'A link is an http or https URL' })
  .max(2000)
  .refine(isStorableText, UNSTORABLE_TEXT_MESSAGE)

export const PolicyLegalInput = z.strictObject({
  attribution: text().max(1000).optional(),
  licence: text().max(1000).optional(),
  contact: text().max(1000).optional(),
  notes: z
    .array(z.strictObject({ text: text().min(1).max(2000), link: HttpLink.optional() }))
    .max(20)
    .optional(),
})

export const PolicyNameInput = z.strictObject({ name: PolicyName })

export const CreatePolicyInput = z.strictObject({
  name: PolicyName,
  description: text().max(500).default(''),
  enabled: z.boolean().default(true),
  types: PolicyTypesInput,
  /** Calls a consumer may make per period; null or omitted: no quota. */
  quota: PolicyQuotaInput.nullable().default(null),
  /** Calls a consumer may make per second; null or omitted: no rate. */
  ratePerSecond: RatePerSecondInput.nullable().default(null),
  /** The terms the data is given under, returned with it. */
  legal: PolicyLegalInput.default({}),
})

/** The name stays (bindings are scoped by it); each part given replaces the stored one whole. */
export const UpdatePolicyInput = z.strictObject({
  name: PolicyName,
  description: text().max(500).optional(),
  enabled: z.boolean().optional(),
  types: PolicyTypesInput.optional(),
  /** `null` removes the quota. */
  quota: PolicyQuotaInput.nullable().optional(),
  /** `null` removes the rate. */
  ratePerSecond: RatePerSecondInput.nullable().optional(),
  legal: PolicyLegalInput.optional(),
})

export type PolicyTypes = z.output<typeof PolicyTypesInput>
