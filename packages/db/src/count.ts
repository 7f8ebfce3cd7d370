/**
 * `count(*)` is a bigint: PGlite hands it back as a number, `pg` as a string.
 * Every count goes through here so callers always get a number.
 */
export function toCount(value: string | number | bigint | null | undefined): number {
  if (value === null || value === undefined) return 0
  return Number(value)
}
