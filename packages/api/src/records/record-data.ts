import type { JsonSchema } from '@trellis/core'
import { TRPCError } from '@trpc/server'
import { recordDataIssues } from '../entity-types/record-schema.js'
import type { InputIssue } from '../trpc/error-formatter.js'

/** Carries the failing paths to the error formatter, which reports them as `inputIssues`. */
class RecordDataError extends Error {
  constructor(readonly issues: InputIssue[]) {
    super('Record data does not match its schema')
  }
}

/** BAD_REQUEST listing each problem, in the same shape as input validation errors. */
export function invalidRecordData(issues: InputIssue[]): TRPCError {
  return new TRPCError({
    code: 'BAD_REQUEST',
    message: 'Invalid record data',
    cause: new RecordDataError(issues),
  })
}

/** Throws BAD_REQUEST with the failing paths unless `data` fits the entity type's schema. */
export function assertRecordData(schema: JsonSchema, data: unknown): void {
  const issues = recordDataIssues(schema, data)
  if (issues.length > 0) throw invalidRecordData(issues)
}
