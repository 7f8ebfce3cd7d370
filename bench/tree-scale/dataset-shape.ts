// The generated dataset's shape, in one place so the loader and the report agree.

/**
 * Users per depth (depth 1 = roots), 1,000,000 in all. Parents are drawn with a skew, so
 * at every depth a few users get most of the children and many get none.
 */
export const LEVEL_SIZES = [4, 40, 400, 3_000, 15_000, 50_000, 120_000, 250_000, 300_000, 261_556] as const

export const USER_COUNT = LEVEL_SIZES.reduce((sum, size) => sum + size, 0)

/** A child's parent rank is `floor(parents * random() ^ FANOUT_SKEW)`: rank 0 is picked most. */
export const FANOUT_SKEW = 2

export const RECORD_COUNT = 10_000_000
export const RECORD_CHUNK = 1_000_000

/**
 * An owner's popularity rank is `floor(users * random() ^ OWNER_SKEW)`, so a few own
 * tens of thousands of records and most own a handful.
 */
export const OWNER_SKEW = 3

/** Spreads popularity ranks over the tree: a bijection on 0..USER_COUNT-1 (odd, not a multiple of 5). */
export const OWNER_SCATTER = 499_979

/** The sizes the measured subtrees aim for. */
export const ACTOR_SUBTREE_TARGET = 100_000
export const MOVE_SUBTREE_TARGET = 10_000
