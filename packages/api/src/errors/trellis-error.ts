import { TRPCError } from '@trpc/server'
import { REASON_BY_CODE, type TrellisErrorReason } from './error-reasons.js'

type ErrorOptions = ConstructorParameters<typeof TRPCError>[0]

/**
 * A refusal that says why in a stable form: the error formatter sends `reason` as
 * `error.data.reason`, beside the code and the human message.
 *
 * @example
 * throw new TrellisError({ code: 'CONFLICT', reason: 'NAME_TAKEN', message: 'A role named x already exists' })
 */
export class TrellisError extends TRPCError {
  readonly reason: TrellisErrorReason

  constructor(options: ErrorOptions & { readonly reason: TrellisErrorReason }) {
    const { reason, ...rest } = options
    super(rest)
    this.reason = reason
  }
}

/** The reason an error carries, else the one its code implies; INTERNAL for anything else. */
export function reasonOf(error: TRPCError): TrellisErrorReason {
  if (error instanceof TrellisError) return error.reason
  return REASON_BY_CODE[error.code] ?? 'INTERNAL'
}
