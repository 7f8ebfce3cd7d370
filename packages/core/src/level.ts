/**
 * The four access levels, narrow to broad. Each includes the ones before it:
 * SELF ⊆ OWNED ⊆ UNION ⊆ ALL (docs/model.md §2).
 */
export const LEVELS = ['SELF', 'OWNED', 'UNION', 'ALL'] as const

export type Level = (typeof LEVELS)[number]

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value)
}

/** Position of a level in the narrow-to-broad order; a larger rank sees more. */
export function levelRank(level: Level): number {
  return LEVELS.indexOf(level)
}

/**
 * Whether a grant at `granted` is enough for something that needs `required`.
 *
 * @example levelIncludes('UNION', 'OWNED') // true
 */
export function levelIncludes(granted: Level, required: Level): boolean {
  return levelRank(granted) >= levelRank(required)
}

/** The broadest of some levels, or `undefined` for none (no grant at all). */
export function broadestLevel(levels: Iterable<Level>): Level | undefined {
  let broadest: Level | undefined
  for (const level of levels) {
    if (broadest === undefined || levelRank(level) > levelRank(broadest)) broadest = level
  }
  return broadest
}
