// A consumer app, type-checked against the packed SDK (apps/server/src/packed-packages.e2e.test.ts).
import {
  can,
  createTrellisClient,
  entityTypeGrants,
  entityTypePermission,
  entityTypeScope,
  isNetworkError,
  isTrellisError,
  listAll,
  type Permission,
  type RouterInputs,
  type RouterOutputs,
  reasonOf,
  type TokenStore,
  type TrellisErrorReason,
  webStorageTokenStore,
} from '@trellis/sdk'

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
  const roleNames: string[] = (
    await listAll((cursor) => client.roles.list.query({ cursor, limit: 200 }))
  ).map((role) => role.name)
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
  return `${engine} ${pong.echo} ${firstEmail} ${roleNames.join()}`
}

// Permission names and scopes are typed: a misspelling fails to compile, not only at run time.
export async function usePermissions(userId: string): Promise<boolean> {
  await client.roles.setGrant.mutate({ role: 'clerk', permission: 'users.read', grant: 'OWNED' })
  // @ts-expect-error misspelt permission
  await client.roles.setGrant.mutate({ role: 'clerk', permission: 'users.raed', grant: 'OWNED' })
  // @ts-expect-error unknown resource: an entity type's permission is named with entityTypePermission
  await client.roles.setGrant.mutate({ role: 'clerk', permission: 'cars.read', grant: 'OWNED' })
  await client.roles.setGrant.mutate({
    role: 'clerk',
    permission: entityTypePermission('cars', 'read'),
    grant: 'OWNED',
  })
  await client.roles.create.mutate({
    name: 'clerk',
    grants: { 'users.read': 'SELF', 'roles.read': true, ...entityTypeGrants({ 'cars.read': 'OWNED' }) },
  })
  // @ts-expect-error misspelt permission in a role's grants
  await client.roles.create.mutate({ name: 'clerk', grants: { 'users.raed': 'SELF' } })
  // @ts-expect-error a boolean permission is granted with true, not a level
  await client.roles.create.mutate({ name: 'clerk', grants: { 'roles.read': 'ALL' } })
  await client.users.assignRole.mutate({ id: userId, role: 'clerk', scope: entityTypeScope('cars') })
  // @ts-expect-error a scope is entityType:<name>
  await client.users.assignRole.mutate({ id: userId, role: 'clerk', scope: 'cars' })
  // @ts-expect-error users.assignRole names its user `id`
  await client.users.assignRole.mutate({ userId, role: 'clerk' })
  await client.access.explain.query({ userId, permission: 'records.read' })
  // @ts-expect-error misspelt permission
  await client.access.explain.query({ userId, permission: 'records.raed' })

  const mine: RouterOutputs['access']['mine'] = await client.access.mine.query()
  const permission: Permission = 'invitations.create'
  // @ts-expect-error can() takes a known permission
  can(mine, 'users.raed')
  // @ts-expect-error a level is SELF, OWNED, UNION or ALL
  can(mine, 'users.read', 'EVERYTHING')
  return can(mine, 'users.read', 'OWNED') || can(mine, permission)
}

// Token stores: a browser's Storage, or the app's own (possibly async).
export const stored = createTrellisClient({
  url: 'http://127.0.0.1:3000/trpc',
  tokenStore: webStorageTokenStore(localStorage, 'app.session'),
})
const asyncStore: TokenStore = {
  get: async () => 'token',
  set: async () => {},
  clear: async () => {},
}
export const custom = createTrellisClient({ url: 'http://127.0.0.1:3000/trpc', tokenStore: asyncStore })

export function describeFailure(error: unknown): TrellisErrorReason | 'network' | 'other' {
  if (isNetworkError(error)) return 'network'
  const reason = reasonOf(error)
  // @ts-expect-error reasons are a closed union
  if (reason === 'SOMETHING_ELSE') return 'other'
  return reason ?? 'other'
}
