import { TrellisError } from '../errors/trellis-error.js'

export function roleNotFound(name: string): TrellisError {
  return new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: `Role not found: ${name}` })
}
