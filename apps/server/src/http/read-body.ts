import type { IncomingMessage } from 'node:http'
import { TRPCError } from '@trpc/server'

/** The body as text (a leading BOM dropped, as `Request.json()` does); PAYLOAD_TOO_LARGE over the cap. */
export function readBody(req: IncomingMessage, maxBodyBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBodyBytes) return void chunks.push(chunk)
      stop()
      reject(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }))
    }
    const onEnd = () => {
      stop()
      resolve(new TextDecoder().decode(Buffer.concat(chunks, size)))
    }
    const stop = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', reject)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', reject)
  })
}
