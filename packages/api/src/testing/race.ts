/**
 * Starts the calls together and gives each outcome as `ok` or the tRPC error code and
 * message, so a race test can assert which of a pair won and what the other was told.
 */
export async function race(...calls: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(calls)
  return settled.map((outcome) =>
    outcome.status === 'fulfilled'
      ? 'ok'
      : `${(outcome.reason as { code?: string }).code}: ${(outcome.reason as Error).message}`,
  )
}
