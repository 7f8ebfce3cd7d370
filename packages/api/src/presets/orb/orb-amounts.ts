/** How many decimal places a number is written with (`12.5` → 1); undefined in exponent notation. */
function decimalPlaces(value: number): number | undefined {
  const written = String(value)
  if (written.includes('e')) return undefined
  return written.split('.')[1]?.length ?? 0
}

/**
 * `a + b` without binary floating-point drift, so a balance moved back and forth ends where
 * it started (`addAmounts(0.1, 0.2)` is 0.3, not 0.30000000000000004): both are summed as
 * integers at the finer of their decimal scales, when that is exact.
 */
export function addAmounts(a: number, b: number): number {
  const places = [decimalPlaces(a), decimalPlaces(b)]
  if (places.includes(undefined)) return a + b
  const scale = 10 ** Math.max(...(places as number[]))
  const scaledA = Math.round(a * scale)
  const scaledB = Math.round(b * scale)
  const exact = Number.isSafeInteger(scaledA) && Number.isSafeInteger(scaledB)
  return exact ? (scaledA + scaledB) / scale : a + b
}
