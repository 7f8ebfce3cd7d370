import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'

/** How the proxy treats connections: pass them on, hold them without a word, or close them at once. */
export type ProxyMode = 'forward' | 'hang' | 'slam'

export interface TcpProxy {
  /** The loopback port it listens on; stays the same across `cut` and `listen`. */
  readonly port: number
  /** Drops every connection and stops listening: new ones are refused. */
  cut(): Promise<void>
  /** Listens (again) and treats new connections as `mode` says. */
  listen(mode?: ProxyMode): Promise<void>
  close(): Promise<void>
}

/**
 * A loopback TCP proxy to `target` (a PostgreSQL server, in these tests) that a test can
 * cut and restore, to play a database that goes away and comes back. Loopback only.
 * Created with `listening: false`, its port is reserved but refuses connections.
 */
export async function startTcpProxy(
  target: { host: string; port: number } | undefined,
  { listening = true, mode = 'forward' as ProxyMode } = {},
): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let current: ProxyMode = mode
  let server: Server | undefined
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const onConnection = (client: Socket) => {
    track(client)
    if (current === 'slam') return void client.destroy()
    if (current === 'hang' || !target) return
    const upstream = connect(target.port, target.host)
    track(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  }
  const open = async (port: number) => {
    server = createServer(onConnection)
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    return (server.address() as { port: number }).port
  }
  const shut = async () => {
    for (const socket of sockets) socket.destroy()
    const closing = server
    server = undefined
    if (closing) await new Promise((resolve) => closing.close(resolve))
  }
  const port = await open(0)
  if (!listening) await shut()
  return {
    port,
    cut: shut,
    async listen(mode: ProxyMode = 'forward') {
      current = mode
      if (!server) await open(port)
    },
    close: shut,
  }
}
