import { PresetMismatchError } from '@trellis/api'
import { DataDirInUseError } from '@trellis/db'
import { PortUnavailableError } from './port-availability.js'

/**
 * The one line to print for a start the operator got wrong (a taken port, a data
 * directory another process has open, another preset than the database's), or undefined
 * for anything else, which is logged with its stack.
 */
export function startupRefusal(error: unknown): string | undefined {
  const refusals = [PortUnavailableError, DataDirInUseError, PresetMismatchError]
  return refusals.some((refusal) => error instanceof refusal) ? (error as Error).message : undefined
}
