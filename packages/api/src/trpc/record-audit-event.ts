import type { AuditOutcome } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server'
import { isStorableText } from '../inputs/text.js'

export interface AuditFacts {
  readonly actorId: string | null
  readonly permission: string
  readonly procedure: string
  readonly rawInput: unknown
  readonly requestId: string
  readonly clientAddress: string | undefined
  /** The policy a read was made through (validated input), if any. */
  readonly policy?: string | undefined
}

// Refusals that say "not you" or "not that": worth recording even for a read.
const DENIALS = new Set<TRPC_ERROR_CODE_KEY>(['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'TOO_MANY_REQUESTS'])

export function isDenial(code: TRPC_ERROR_CODE_KEY): boolean {
  return DENIALS.has(code)
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The record a call was about, when its input names one (`id` or `userId`) as a uuid. The
 * input is raw, refused calls included: anything else is not recorded, so what a caller
 * sends can never make the audit insert fail.
 */
export function targetOf(rawInput: unknown): string | null {
  if (typeof rawInput !== 'object' || rawInput === null) return null
  const { id, userId } = rawInput as { id?: unknown; userId?: unknown }
  const target = typeof id === 'string' ? id : typeof userId === 'string' ? userId : null
  return target !== null && UUID.test(target) ? target : null
}

/** Writes one audit event with `db`, which is the call's own transaction for a mutation that succeeded. */
export async function recordAuditEvent(
  db: TrellisDatabase,
  facts: AuditFacts,
  outcome: AuditOutcome,
  errorCode: TRPC_ERROR_CODE_KEY | null,
): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor_id: facts.actorId,
      owner_id: facts.actorId,
      // Declared names, or ones built from validated input; storable either way, checked all the same.
      permission: isStorableText(facts.permission) ? facts.permission : facts.procedure,
      procedure: facts.procedure,
      target_id: targetOf(facts.rawInput),
      outcome,
      error_code: errorCode,
      request_id: facts.requestId,
      client_address: facts.clientAddress ?? null,
      policy: facts.policy ?? null,
    })
    .execute()
}
