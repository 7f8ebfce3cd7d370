import { randomUUID } from 'node:crypto'
import { recordAuditEvent } from '@trellis/api'
import type { TrellisDatabase } from '@trellis/db'

/**
 * Records a change the CLI made, as the API records a call: no actor (whoever runs the
 * CLI has the database itself, not a Trellis identity), so only callers who read the
 * audit at `ALL` see it; procedure and permission `cli.<command>`. Call it in the
 * change's own transaction, so the change and its record commit together.
 */
export function auditCliChange(db: TrellisDatabase, command: string, targetId: string | null): Promise<void> {
  const name = `cli.${command}`
  return recordAuditEvent(
    db,
    {
      actorId: null,
      permission: name,
      procedure: name,
      rawInput: { id: targetId },
      requestId: randomUUID(),
      clientAddress: undefined,
    },
    'allowed',
    null,
  )
}
