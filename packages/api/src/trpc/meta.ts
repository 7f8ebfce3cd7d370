import type { PermissionKind } from '@trellis/core'

/** What every procedure declares, readable at run time from the router. */
export interface ProcedureMeta {
  /** The one permission (`resource.action`) this procedure needs. */
  readonly permission: string
  readonly kind: PermissionKind
  /** A mutation that opens its own transactions instead of running in one (`selfCommittingProcedure`). */
  readonly ownTransactions?: boolean
}
