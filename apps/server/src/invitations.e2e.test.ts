import { createTrellisClient, type TrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { failureCode } from './testing/call-failure.js'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }

// Invitations (the Bobsled flow) over real HTTP through the built SDK; tests read the mail sent.
describe('invitations end to end', () => {
  let server: TestServer
  let admin: TrellisClient
  let adminId: string
  const anonymous = () => createTrellisClient({ url: server.trpcUrl })

  const tokenMailedTo = (email: string) =>
    server.mail.latestMatch(server.database.db, email, /tri_[A-Za-z0-9_-]+/)

  beforeAll(async () => {
    server = await startTestServer()
    admin = createTrellisClient({ url: server.trpcUrl })
    adminId = (await admin.auth.login.mutate(ADMIN)).user.id
    await server.database.db.insertInto('roles').values({ name: 'member' }).execute()
  })
  afterAll(() => server.stop())

  it('invites, lists, and lets the invitee accept once to become active and log in', async () => {
    const invited = await admin.invitations.create.mutate({
      email: 'new@example.com',
      role: 'member',
      parentId: adminId,
    })
    expect(invited.user).toMatchObject({ status: 'invited', parentId: adminId })
    const pending = await admin.invitations.list.query()
    expect(pending.items.map((entry) => entry.user.email)).toContain('new@example.com')
    const token = await tokenMailedTo('new@example.com')

    const accepted = await anonymous().invitations.accept.mutate({ token, password: 'my new password' })
    expect(accepted.status).toBe('active')
    await expect(
      anonymous().auth.login.mutate({ email: 'new@example.com', password: 'my new password' }),
    ).resolves.toMatchObject({ user: { email: 'new@example.com' } })
    const roles = await server.database.db
      .selectFrom('user_roles')
      .innerJoin('roles', 'roles.id', 'user_roles.role_id')
      .select('roles.name')
      .where('user_roles.user_id', '=', invited.user.id)
      .execute()
    expect(roles).toEqual([{ name: 'member' }])

    expect(
      await failureCode(anonymous().invitations.accept.mutate({ token, password: 'another password' })),
    ).toBe('UNAUTHORIZED')
    expect((await admin.invitations.list.query()).items.map((entry) => entry.user.email)).not.toContain(
      'new@example.com',
    )
  })

  it('resends with a new token, and the old one stops working', async () => {
    const { user } = await admin.invitations.create.mutate({
      email: 'slow@example.com',
      role: 'member',
      parentId: adminId,
    })
    const first = await tokenMailedTo('slow@example.com')
    await admin.invitations.resend.mutate({ userId: user.id })
    const second = await tokenMailedTo('slow@example.com')
    expect(second).not.toBe(first)
    expect(
      await failureCode(anonymous().invitations.accept.mutate({ token: first, password: 'slow password 1' })),
    ).toBe('UNAUTHORIZED')
    await expect(
      anonymous().invitations.accept.mutate({ token: second, password: 'slow password 1' }),
    ).resolves.toMatchObject({
      status: 'active',
    })
  })

  it('refuses a revoked or expired invitation, changing nothing', async () => {
    const revoked = await admin.invitations.create.mutate({
      email: 'revoked@example.com',
      role: 'member',
      parentId: adminId,
    })
    const revokedToken = await tokenMailedTo('revoked@example.com')
    await admin.invitations.revoke.mutate({ userId: revoked.user.id })
    expect(
      await failureCode(
        anonymous().invitations.accept.mutate({ token: revokedToken, password: 'revoked password' }),
      ),
    ).toBe('UNAUTHORIZED')

    const late = await admin.invitations.create.mutate({
      email: 'late@example.com',
      role: 'member',
      parentId: adminId,
    })
    const lateToken = await tokenMailedTo('late@example.com')
    await server.database.db
      .updateTable('one_time_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', late.user.id)
      .execute()
    expect(
      await failureCode(
        anonymous().invitations.accept.mutate({ token: lateToken, password: 'late password 12' }),
      ),
    ).toBe('UNAUTHORIZED')
    const stillInvited = await admin.users.get.query({ id: late.user.id })
    expect(stillInvited.status).toBe('invited')
  })

  it('refuses to invite with a role the inviter does not hold, or an unknown role', async () => {
    const { user } = await admin.invitations.create.mutate({
      email: 'limited@example.com',
      role: 'member',
      parentId: adminId,
    })
    await anonymous().invitations.accept.mutate({
      token: await tokenMailedTo('limited@example.com'),
      password: 'limited password',
    })
    // Give "limited" invitations.create but not what admin holds.
    const limitedRole = await server.database.db
      .insertInto('roles')
      .values({ name: 'inviter' })
      .returning('id')
      .executeTakeFirstOrThrow()
    await server.database.db
      .insertInto('role_grants')
      .values([
        { role_id: limitedRole.id, permission: 'invitations.create', level: 'OWNED' },
        { role_id: limitedRole.id, permission: 'users.read', level: 'OWNED' },
      ])
      .execute()
    await server.database.db
      .insertInto('user_roles')
      .values({ user_id: user.id, role_id: limitedRole.id, scope: null })
      .execute()
    const limited = anonymous()
    await limited.auth.login.mutate({ email: 'limited@example.com', password: 'limited password' })
    expect(
      await failureCode(
        limited.invitations.create.mutate({ email: 'x@example.com', role: 'admin', parentId: user.id }),
      ),
    ).toBe('FORBIDDEN')
    expect(
      await failureCode(
        limited.invitations.create.mutate({ email: 'y@example.com', role: 'nope', parentId: user.id }),
      ),
    ).toBe('NOT_FOUND')
    const created = await server.database.db
      .selectFrom('users')
      .select('id')
      .where('email', 'in', ['x@example.com', 'y@example.com'])
      .execute()
    expect(created).toEqual([])
  })
})
