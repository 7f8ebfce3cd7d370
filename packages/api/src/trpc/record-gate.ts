import type { Actor, StoredEntityType, TrellisDatabase } from '@trellis/db'
import type { TRPCError } from '@trpc/server'
import type { PolicySegment, RecordAccess, RecordGrant } from '../access/record-access.js'
import { permissionMissing, UNAUTHENTICATED } from '../access/refusal.js'
import { refusalError } from './refusal-error.js'

/** What the audit event of a call records, when the call decided a finer permission than its meta. */
export interface AuditNote {
  permission?: string
  /** The policy a read was made through: such a read is audited even when allowed. */
  policy?: string
}

/**
 * The records procedures' view of the access engine (`ctx.records`). A grant a call acts
 * under, or a permission it is refused, is the decision its audit event records
 * (`cars.update`, not `records.update`); a record the caller cannot see at all decides
 * nothing, so its NOT_FOUND keeps the generic permission and tells nothing.
 */
export class RecordGate {
  constructor(
    private readonly access: RecordAccess,
    private readonly audit: AuditNote,
  ) {}

  get actor(): Actor | null {
    return this.access.actor
  }

  /** Whether the caller is anonymous. */
  get anonymous(): boolean {
    return this.access.anonymous
  }

  /** Whether the caller may open policy `name` (a binding scoped to it, or `policies.read`). */
  seesPolicy(name: string): boolean {
    return this.access.seesPolicy(name)
  }

  /** This gate for a read through a policy, audited as such (docs/policies.md). */
  throughPolicy(segment: PolicySegment): RecordGate {
    this.audit.policy = segment.name
    return new RecordGate(this.access.throughPolicy(segment), this.audit)
  }

  /** Every entity type, as of the snapshot the call is decided on: no query while nothing changed. */
  entityTypes(db: TrellisDatabase): Promise<StoredEntityType[]> {
    return this.access.entityTypes(db)
  }

  /** The grant for `action` on `entityType`, if any: a look, not yet the call's decision. */
  grantFor(entityType: string, action: string): RecordGrant | undefined {
    return this.access.recordGrant(entityType, action)
  }

  /** Where the caller reads users, if it does: who it may name as a record's party. */
  usersReadGrant() {
    return this.access.usersReadGrant()
  }

  holds(permission: string, entityType: string): boolean {
    return this.access.holds(permission, entityType)
  }

  /** The grant the call acts under: its permission is the one audited. */
  actUnder(grant: RecordGrant): RecordGrant {
    this.audit.permission = grant.permission
    return grant
  }

  /** The grant for `action` on `entityType`, acted under; refused (and audited so) without one. */
  require(entityType: string, action: string): RecordGrant {
    const grant = this.grantFor(entityType, action)
    if (grant) return this.actUnder(grant)
    throw this.refuse(`${entityType}.${action}`)
  }

  /** UNAUTHORIZED for an anonymous caller, FORBIDDEN naming `permission` (and audited under it) otherwise. */
  refuse(permission: string): TRPCError {
    this.audit.permission = permission
    return refusalError(this.access.anonymous ? UNAUTHENTICATED : permissionMissing(permission))
  }
}
