import { request } from 'node:http'

/** One answer of a batched tRPC call: its data, or its error code and message. */
export type BatchAnswer =
  | { readonly ok: true; readonly data: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string }

export interface BatchReply {
  readonly status: number
  readonly body: unknown
}

/**
 * POSTs mutations as ONE batched HTTP request (`?batch=1`), as a client that skips the SDK
 * would, optionally from a given loopback address (any of 127.0.0.0/8 on Linux), so a
 * test can play several client addresses.
 */
export function postBatch(
  trpcUrl: string,
  calls: readonly { path: string; input: unknown }[],
  localAddress?: string,
): Promise<BatchReply> {
  const url = new URL(`${trpcUrl}/${calls.map((call) => call.path).join(',')}?batch=1`)
  const body = JSON.stringify(Object.fromEntries(calls.map((call, index) => [index, call.input])))
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** The answers of a batch that was accepted as a whole. */
export async function batchAnswers(reply: Promise<BatchReply>): Promise<BatchAnswer[]> {
  const { body } = await reply
  if (!Array.isArray(body)) throw new Error(`Expected one answer per call, got ${JSON.stringify(body)}`)
  return body.map(
    (answer: { result?: { data: unknown }; error?: { message: string; data: { code: string } } }) =>
      answer.error
        ? { ok: false, code: answer.error.data.code, message: answer.error.message }
        : { ok: true, data: answer.result?.data },
  )
}

/** How many answers carry each code (`ok` for a success). */
export function countCodes(answers: readonly BatchAnswer[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const answer of answers) {
    const key = answer.ok ? 'ok' : answer.code
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}
