import { z } from 'zod'
import { TrellisError } from '../errors/trellis-error.js'
import { dateTimeInput } from '../inputs/date-time.js'
import { text } from '../inputs/text.js'

/** A position in a list ordered by (created_at desc, id desc): the last row seen. */
export interface Cursor {
  readonly createdAt: Date
  readonly id: string
}

const CursorShape = z.object({ t: dateTimeInput(), id: z.uuid() })

/** An opaque string for clients; its content may change between releases. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.createdAt.toISOString(), id: cursor.id })).toString(
    'base64url',
  )
}

export function decodeCursor(encoded: string): Cursor {
  try {
    const parsed = CursorShape.parse(JSON.parse(Buffer.from(encoded, 'base64url').toString()))
    return { createdAt: new Date(parsed.t), id: parsed.id }
  } catch {
    throw new TrellisError({
      code: 'BAD_REQUEST',
      reason: 'INVALID_CURSOR',
      message: 'Invalid cursor: pass back a nextCursor from a previous page',
    })
  }
}

/** Page-size input shared by every list. */
export const PageInput = {
  cursor: text().max(512).optional(),
  limit: z.number().int().min(1).max(200).default(50),
}
