import { once } from 'node:events'
import { createServer } from 'node:net'

/** Refusal to start on an address this process cannot listen on; the message is one line. */
export class PortUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PortUnavailableError'
  }
}

/**
 * Throws `PortUnavailableError` unless `host:port` can be listened on now. The server
 * checks before it opens and migrates the database, so a taken port fails in
 * milliseconds instead of after the database work; port 0 (any free port) always can.
 *
 * @example
 * await assertPortAvailable(3000, '127.0.0.1') // throws: Port 3000 on 127.0.0.1 is already in use…
 */
export async function assertPortAvailable(port: number, host: string): Promise<void> {
  if (port === 0) return
  const probe = createServer()
  probe.listen({ port, host, exclusive: true })
  try {
    await once(probe, 'listening')
  } catch (error) {
    throw portProblem(error, port, host)
  }
  probe.close()
  await once(probe, 'close')
}

/** The readable refusal for a listen error the operator can fix; any other error as it is. */
export function portProblem(error: unknown, port: number, host: string): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new PortUnavailableError(
        `Port ${port} on ${host} is already in use: stop what uses it, or set PORT to another port`,
      )
    case 'EACCES':
      return new PortUnavailableError(
        `Port ${port} on ${host} needs privileges this process lacks: set PORT to 1024 or above`,
      )
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new PortUnavailableError(
        `HOST ${host} is not an address of this machine: set HOST to one (127.0.0.1, or 0.0.0.0 for all)`,
      )
    default:
      return error
  }
}
