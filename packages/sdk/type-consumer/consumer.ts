// A consumer app, type-checked against the packed SDK (apps/server/src/packed-packages.e2e.test.ts).
import { createTrellisClient, isTrellisError, type RouterInputs, type RouterOutputs } from '@trellis/sdk'

const client = createTrellisClient({ url: 'http://127.0.0.1:3000/trpc' })

export async function useTheClient(): Promise<string> {
  const info: RouterOutputs['system']['info'] = await client.system.info.query()
  const engine: 'postgres' | 'pglite' = info.database
  const input: RouterInputs['system']['ping'] = { echo: 'hello' }
  const pong = await client.system.ping.query(input)
  // @ts-expect-error echo must be a string: the client is typed, not `any`
  await client.system.ping.query({ echo: 42 })
  const page: RouterOutputs['users']['list'] = await client.users.list.query({ status: 'active', limit: 20 })
  const firstEmail: string | undefined = page.items[0]?.email
  // @ts-expect-error status is one of invited, active, deactivated
  await client.users.list.query({ status: 'sleeping' })
  await client.users.move.mutate({ id: page.items[0]?.id ?? '', newParentId: null })
  // @ts-expect-error no such procedure
  await client.system.shutdown.query()
  try {
    await client.system.ping.query({ echo: '' })
  } catch (error) {
    if (isTrellisError(error)) {
      const code: string | undefined = error.data?.code
      const firstIssue: string | undefined = error.data?.inputIssues?.[0]?.message
      return `${code} ${firstIssue}`
    }
  }
  return `${engine} ${pong.echo} ${firstEmail}`
}
