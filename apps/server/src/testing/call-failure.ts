import { isTrellisError } from '@trellis/sdk'

/** The code and message a call through the SDK fails with; throws if it succeeds or fails otherwise. */
export async function callFailure(
  call: Promise<unknown>,
): Promise<{ code: string | undefined; message: string }> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!isTrellisError(error)) throw new Error(`Expected a Trellis error, got ${String(error)}`)
  return { code: error.data?.code, message: error.message }
}

/** Just the tRPC code of a call's failure. */
export async function failureCode(call: Promise<unknown>): Promise<string | undefined> {
  return (await callFailure(call)).code
}
