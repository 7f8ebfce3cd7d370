import type { Keyset } from './keyset.js'
import { invalidCursor } from './pagination-errors.js'

/** An opaque string for clients: the position of a row in a keyset's order. Its content may change between releases. */
export function encodeCursor<Row>(keyset: Keyset<Row>, row: Row): string {
  return Buffer.from(JSON.stringify(keyset.positionOf(row))).toString('base64url')
}

/** The keyset's column values a cursor stands for, or BAD_REQUEST INVALID_CURSOR. */
export function decodeCursor(keyset: Keyset<never>, encoded: string): readonly unknown[] {
  try {
    return keyset.position.parse(JSON.parse(Buffer.from(encoded, 'base64url').toString()))
  } catch {
    throw invalidCursor()
  }
}
