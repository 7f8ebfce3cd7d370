/** A record as clients see it. */
export interface RecordView {
  readonly id: string
  readonly entityType: string
  readonly ownerId: string
  /** The record's state, for types with a state machine; null otherwise. */
  readonly status: string | null
  readonly data: Record<string, unknown>
  /** The users the record involves besides its owner, by party name (types with parties). */
  readonly parties: { readonly [party: string]: string[] }
  readonly createdAt: string
  readonly updatedAt: string
}

export const RECORD_COLUMNS = [
  'records.id',
  'records.owner_id',
  'records.status',
  'records.data',
  'records.created_at',
  'records.updated_at',
] as const

export interface RecordRow {
  id: string
  owner_id: string
  status: string | null
  data: unknown
  created_at: Date
  updated_at: Date
}

/** A row as clients see it; `parties` from `loadParties` (none for types without parties). */
export function toRecordView(
  row: RecordRow,
  entityType: string,
  parties: RecordView['parties'] = {},
): RecordView {
  return {
    id: row.id,
    entityType,
    ownerId: row.owner_id,
    status: row.status,
    data: row.data as Record<string, unknown>,
    parties,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}
