import type { Level } from '@trellis/core'
import type { TRPCClient } from '@trpc/client'
import type { AppRouter } from '../app-router.js'

/**
 * A client of the whole API, as the SDK's `TrellisClient` is: the rows call the server
 * through it, typed here because the SDK sits above this package.
 */
export type SeedClient = TRPCClient<AppRouter>

/** A cell of a seed's table: allowed, denied, or allowed at a level. */
export type Cell = '✔' | '✗' | Level

/**
 * One line of a seed's permission table, transcribed: the seed's words, one cell per
 * role, and what the line means in Trellis terms, so the test can replay it.
 */
export interface SeedRow<TRole extends string, TWorld> {
  /** The seed's words for the line. */
  readonly line: string
  readonly cells: Readonly<Record<TRole, Cell>>
  /**
   * The procedures the line names, called as the role's user: resolves when allowed,
   * rejects (FORBIDDEN, NOT_FOUND or UNAUTHORIZED) when denied. Each call must make its
   * own targets (through `world`) so rows and roles do not depend on one another.
   */
  readonly call?: (client: SeedClient, world: TWorld) => Promise<unknown>
  /**
   * For a line that reads leveled records: the type listed, and the level a ✔ stands for
   * (a level in the cell itself wins). The replay checks exactly which records come back.
   */
  readonly reads?: {
    readonly entityType: string
    readonly level?: Level
    /**
     * For a line that reads totals: a numeric data field. The replay also checks that
     * `records.aggregate` counts and sums it over exactly the records the level reaches.
     */
    readonly total?: string
  }
  /** Where Trellis reads the line differently from its words, and why. */
  readonly note?: string
}

/** The level a role reads a row's records at, or undefined when the cell denies it. */
export function levelOfCell(cell: Cell, rowLevel: Level | undefined): Level | undefined {
  if (cell === '✗') return undefined
  if (cell === '✔') return rowLevel ?? 'ALL'
  return cell
}

const DENIALS = new Set(['FORBIDDEN', 'NOT_FOUND', 'UNAUTHORIZED'])

/**
 * The tRPC code of a call's error, else undefined. Read from the error's shape, as the
 * SDK's `isTrellisError` is out of reach here.
 */
export function errorCodeOf(error: unknown): string | undefined {
  const code =
    error instanceof Error && 'data' in error ? (error.data as { code?: unknown } | null)?.code : undefined
  return typeof code === 'string' ? code : undefined
}

/** The tRPC code of a denied call's error (FORBIDDEN, NOT_FOUND or UNAUTHORIZED), else undefined. */
export function denialCode(error: unknown): string | undefined {
  const code = errorCodeOf(error)
  return code !== undefined && DENIALS.has(code) ? code : undefined
}
