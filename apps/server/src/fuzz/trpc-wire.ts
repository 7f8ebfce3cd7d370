import { serializeInput } from './hostile-values.js'

/** One call as the tRPC HTTP wire format carries it. */
export interface WireCall {
  readonly path: string
  readonly type: 'query' | 'mutation'
  readonly input: unknown
}

/** How one call was answered: the HTTP status, and the tRPC error when it failed. */
export interface WireAnswer {
  readonly status: number
  readonly ok: boolean
  readonly code?: string
  readonly httpStatus?: number
  readonly message?: string
  /** Set when the answer was not a tRPC JSON reply (a Node 431, a reset connection...). */
  readonly transportError?: string
}

export interface WireOptions {
  readonly trpcUrl: string
  readonly token?: string
  readonly requestId: string
  /** How long to wait for an answer; a call still unanswered then is a fault (a hang). */
  readonly timeoutMs?: number
}

interface TrpcReply {
  result?: unknown
  error?: { message?: string; data?: { code?: string; httpStatus?: number } }
}

/** The method, URL and body a call (or a batch of calls of one type) is sent with. */
export function wireRequest(trpcUrl: string, calls: readonly WireCall[], batch: boolean) {
  const paths = calls.map((call) => call.path).join(',')
  const type = calls[0]?.type ?? 'query'
  let text: string | undefined
  if (batch) {
    text = `{${calls.map((call, index) => `"${index}":${call.input === undefined ? '{}' : serializeInput(call.input)}`).join(',')}}`
  } else if (calls[0]?.input !== undefined) {
    text = serializeInput(calls[0].input)
  }
  const query = new URLSearchParams()
  if (batch) query.set('batch', '1')
  if (type === 'query' && text !== undefined) query.set('input', text)
  const search = query.toString()
  return {
    method: type === 'query' ? 'GET' : 'POST',
    url: `${trpcUrl}/${paths}${search ? `?${search}` : ''}`,
    body: type === 'mutation' ? text : undefined,
  }
}

/**
 * Sends calls straight over HTTP, as any client could (GET `?input=` for queries, POST JSON
 * for mutations, `?batch=1` for several): one answer per call, or one for the whole
 * batch when the server refused it as a whole.
 */
export async function sendWire(
  options: WireOptions,
  calls: readonly WireCall[],
  batch = calls.length > 1,
): Promise<{ answers: WireAnswer[]; whole?: WireAnswer; requestId: string | null }> {
  const request = wireRequest(options.trpcUrl, calls, batch)
  const headers: Record<string, string> = { 'x-request-id': options.requestId }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  // As tRPC's own client: a mutation is JSON even when it has no input (no body).
  if (request.method === 'POST') headers['content-type'] = 'application/json'
  let response: Response
  try {
    const send = () =>
      fetch(request.url, {
        method: request.method,
        headers,
        body: request.body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      })
    // One retry, not after a timeout: a pooled keep-alive socket the server just closed
    // resets without any fault of the server's; a second failure is reported.
    response = await send().catch((error: unknown) => {
      if ((error as Error).name === 'TimeoutError') throw error
      return send()
    })
  } catch (error) {
    const { name, cause } = error as { name?: string; cause?: { code?: string; message?: string } }
    const why = name === 'TimeoutError' ? 'timed out' : `${cause?.code ?? ''} ${cause?.message ?? error}`
    const answer = { status: 0, ok: false, transportError: `no answer: ${why}` }
    return { answers: calls.map(() => answer), whole: answer, requestId: null }
  }
  const requestId = response.headers.get('x-request-id')
  const text = await response.text()
  let reply: unknown
  try {
    reply = JSON.parse(text)
  } catch {
    const answer = { status: response.status, ok: false, transportError: `not JSON: ${text.slice(0, 80)}` }
    return { answers: calls.map(() => answer), whole: answer, requestId }
  }
  const read = (item: TrpcReply): WireAnswer => ({
    status: response.status,
    ok: item.error === undefined,
    code: item.error?.data?.code,
    httpStatus: item.error?.data?.httpStatus,
    message: item.error?.message,
  })
  if (batch && Array.isArray(reply))
    return { answers: reply.map((item) => read(item as TrpcReply)), requestId }
  const answer = read(reply as TrpcReply)
  return { answers: calls.map(() => answer), whole: batch ? answer : undefined, requestId }
}

/** True when an answer is the server's fault: a 5xx, an INTERNAL_SERVER_ERROR, or no answer at all. */
export function isServerFault(answer: WireAnswer): boolean {
  return (
    answer.status === 0 ||
    answer.status >= 500 ||
    (answer.httpStatus ?? 0) >= 500 ||
    answer.code === 'INTERNAL_SERVER_ERROR'
  )
}
