// The partner feed of the scale dataset (issue 15), shared by its loader and its bench.

/** The entity type the feed's records belong to. */
export const FEED_TYPE = 'partnerReadings'
/** Drawn uniformly: a region filter keeps about a fifth of the records. */
export const FEED_REGIONS = ['north', 'south', 'east', 'west', 'centre'] as const
export const FEED_RECORDS = 1_000_000
/** `contact` is the personal field a policy masks. */
export const FEED_SCHEMA = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    region: { type: 'string', enum: [...FEED_REGIONS] },
    reading: { type: 'number' },
    contact: { type: 'string' },
  },
  required: ['region', 'reading'],
}
