import { randomUUID } from 'node:crypto'
import { bindRole, findRole } from '@trellis/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'
import { race } from '../testing/race.js'

const PASSWORD = 'a good long password'
const email = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`

// Invitations carrying role bindings, scoped to an entity type (BitBroker's "invite a
// contributor for one entity type in one call"), made when the invitation is accepted.
describe('invitations with scoped role bindings', () => {
  let h: ApiHarness
  let admin: ReturnType<ApiHarness['callAs']>
  /** May invite, and holds `contributor` for cars only: it may give that, and nothing broader. */
  let carsLeadId: string

  const tokenMailedTo = async (to: string) => {
    const mail = await h.database.db
      .selectFrom('outbox')
      .select('body')
      .where('recipient', '=', to)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow()
    return /tri_[A-Za-z0-9_-]+/.exec(mail.body)![0]
  }
  const accept = async (to: string) =>
    h.callAs(null).invitations.accept({ token: await tokenMailedTo(to), password: PASSWORD })
  const rolesOf = (userId: string) => admin.users.roles({ id: userId })
  const userCount = async () => (await h.database.db.selectFrom('users').select('id').execute()).length

  beforeAll(async () => {
    h = await createApiHarness()
    admin = h.callAs(h.adminId)
    for (const name of ['cars', 'trucks'])
      await admin.entityTypes.create({ name, schema: { type: 'object' } })
    await admin.roles.create({
      name: 'contributor',
      grants: { 'records.read': 'OWNED', 'records.create': 'OWNED' },
    })
    carsLeadId = await h.addUser('cars-lead@example.com', h.adminId)
    await h.grant(carsLeadId, { 'invitations.create': 'OWNED', 'invitations.read': 'OWNED' })
    const contributor = await findRole(h.database.db, 'contributor')
    await bindRole(h.database.db, { userId: carsLeadId, roleId: contributor!.id, scope: 'entityType:cars' })
  })
  afterAll(() => h.dispose())

  it('invites a contributor for one entity type in one call; accepting binds it, scoped', async () => {
    const to = email('contributor')
    const invited = await h.callAs(carsLeadId).invitations.create({
      email: to,
      role: 'contributor',
      scope: 'entityType:cars',
      parentId: carsLeadId,
    })
    expect(invited.bindings).toEqual([{ role: 'contributor', scope: 'entityType:cars' }])
    // Invited, it holds nothing yet; the invitation shows what it carries.
    expect(await rolesOf(invited.user.id)).toEqual([])
    const listed = await h.callAs(carsLeadId).invitations.list({})
    expect(listed.items.find((item) => item.user.id === invited.user.id)?.bindings).toEqual([
      { role: 'contributor', scope: 'entityType:cars' },
    ])

    await accept(to)
    expect(await rolesOf(invited.user.id)).toEqual([
      { role: 'contributor', protected: false, scope: 'entityType:cars' },
    ])
    const contributor = h.callAs(invited.user.id)
    await expect(contributor.records.create({ entityType: 'cars', data: {} })).resolves.toMatchObject({
      entityType: 'cars',
    })
    expect((await failure(contributor.records.create({ entityType: 'trucks', data: {} }))).code).toBe(
      'FORBIDDEN',
    )
    expect(await h.database.db.selectFrom('invitation_bindings').selectAll().execute()).toEqual([])
  })

  it('carries several bindings; without a scope, a role binds everywhere', async () => {
    const to = email('both')
    const invited = await admin.invitations.create({
      email: to,
      bindings: [
        { role: 'contributor', scope: 'entityType:trucks' },
        { role: 'contributor', scope: 'entityType:cars' },
        { role: 'contributor', scope: 'entityType:cars' },
      ],
      parentId: h.adminId,
    })
    expect(invited.bindings).toEqual([
      { role: 'contributor', scope: 'entityType:cars' },
      { role: 'contributor', scope: 'entityType:trucks' },
    ])
    await accept(to)
    expect((await rolesOf(invited.user.id)).map((binding) => binding.scope).sort()).toEqual([
      'entityType:cars',
      'entityType:trucks',
    ])
    const plain = await admin.invitations.create({
      email: email('plain'),
      role: 'contributor',
      parentId: h.adminId,
    })
    expect(plain.bindings).toEqual([{ role: 'contributor', scope: null }])
  })

  it('refuses a binding the inviter may not give, as assignRole does, and writes nothing', async () => {
    const before = await userCount()
    const lead = h.callAs(carsLeadId)
    for (const attempt of [
      { role: 'contributor', scope: 'entityType:trucks' as const },
      { role: 'contributor' },
    ]) {
      const refused = await failure(
        lead.invitations.create({ email: email('x'), parentId: carsLeadId, ...attempt }),
      )
      expect(refused.code).toBe('FORBIDDEN')
      expect(refused.message).toBe('Permission required: records.read at level OWNED')
    }
    const mixed = await failure(
      lead.invitations.create({
        email: email('mixed'),
        parentId: carsLeadId,
        bindings: [
          { role: 'contributor', scope: 'entityType:cars' },
          { role: 'contributor', scope: 'entityType:trucks' },
        ],
      }),
    )
    expect(mixed.code).toBe('FORBIDDEN')
    expect(
      (await failure(lead.invitations.create({ email: email('y'), parentId: carsLeadId, role: 'nobody' })))
        .code,
    ).toBe('NOT_FOUND')
    expect(await userCount()).toBe(before)
  })

  it('answers a bad or unknown scope, or a bad shape, with BAD_REQUEST naming the path, and writes nothing', async () => {
    const before = await userCount()
    const issues = async (input: Record<string, unknown>) => {
      const refused = await failure(
        admin.invitations.create({ email: email('bad'), parentId: h.adminId, ...input } as never),
      )
      expect(refused.code).toBe('BAD_REQUEST')
      return formatted(refused).inputIssues?.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    }
    expect(await issues({ role: 'contributor', scope: 'cars' })).toEqual([
      'scope: A scope is entityType:<name> or policy:<name>',
    ])
    expect(await issues({ role: 'contributor', scope: 'entityType:boats' })).toEqual([
      'scope: No entity type named boats',
    ])
    expect(await issues({ role: 'contributor', scope: 'policy:boatFeed' })).toEqual([
      'scope: No policy named boatFeed',
    ])
    expect(
      await issues({
        bindings: [{ role: 'contributor' }, { role: 'contributor', scope: 'entityType:boats' }],
      }),
    ).toEqual(['bindings.1.scope: No entity type named boats'])
    expect(await issues({})).toEqual(['role: Give either role or bindings'])
    expect(await issues({ role: 'contributor', bindings: [{ role: 'contributor' }] })).toEqual([
      'role: Give either role or bindings',
    ])
    expect(await issues({ bindings: [] })).toEqual(['bindings: Too small: expected array to have >=1 items'])
    expect(await issues({ bindings: [{ role: 'contributor' }], scope: 'entityType:cars' })).toEqual([
      'scope: A scope limits role: give role with it',
    ])
    expect(await userCount()).toBe(before)
  })

  it('checks the inviter again at acceptance: a right lost meanwhile refuses it, and a resend by someone allowed revives it', async () => {
    const leadId = await h.addUser(email('lead'), h.adminId)
    await h.grant(leadId, { 'invitations.create': 'OWNED' })
    const contributor = await findRole(h.database.db, 'contributor')
    await bindRole(h.database.db, { userId: leadId, roleId: contributor!.id, scope: 'entityType:cars' })
    const to = email('late')
    const invited = await h
      .callAs(leadId)
      .invitations.create({ email: to, role: 'contributor', scope: 'entityType:cars', parentId: leadId })
    await admin.users.unassignRole({ id: leadId, role: 'contributor', scope: 'entityType:cars' })

    const refused = await failure(accept(to))
    expect(refused.code).toBe('FORBIDDEN')
    expect(refused.message).toBe(
      'This invitation gives roles its inviter may no longer give: ask for it to be sent again',
    )
    expect((await admin.users.get({ id: invited.user.id })).status).toBe('invited')
    expect(await rolesOf(invited.user.id)).toEqual([])

    // The lead may no longer vouch for it; the administrator may.
    expect((await failure(h.callAs(leadId).invitations.resend({ userId: invited.user.id }))).code).toBe(
      'FORBIDDEN',
    )
    await admin.invitations.resend({ userId: invited.user.id })
    await expect(accept(to)).resolves.toMatchObject({ status: 'active' })
    expect(await rolesOf(invited.user.id)).toEqual([
      { role: 'contributor', protected: false, scope: 'entityType:cars' },
    ])
  })

  it('an acceptance racing the loss of the inviter’s right either binds first or is refused', async () => {
    const contributor = await findRole(h.database.db, 'contributor')
    for (let round = 0; round < 4; round++) {
      const leadId = await h.addUser(email('racer'), h.adminId)
      await h.grant(leadId, { 'invitations.create': 'OWNED' })
      await bindRole(h.database.db, { userId: leadId, roleId: contributor!.id, scope: 'entityType:cars' })
      const to = email('raced')
      const invited = await h
        .callAs(leadId)
        .invitations.create({ email: to, role: 'contributor', scope: 'entityType:cars', parentId: leadId })
      const token = await tokenMailedTo(to)
      const [accepted, unassigned] = await race(
        h.callAs(null).invitations.accept({ token, password: PASSWORD }),
        admin.users.unassignRole({ id: leadId, role: 'contributor', scope: 'entityType:cars' }),
      )
      expect(unassigned).toBe('ok')
      const status = (await admin.users.get({ id: invited.user.id })).status
      const roles = await rolesOf(invited.user.id)
      if (accepted === 'ok') {
        expect(status).toBe('active')
        expect(roles).toHaveLength(1)
      } else {
        expect(accepted).toMatch(/^FORBIDDEN: This invitation gives roles its inviter may no longer give/)
        expect(status).toBe('invited')
        expect(roles).toEqual([])
      }
    }
  })

  it('a revoked invitation forgets its bindings; a deleted entity type takes its pending bindings along', async () => {
    const revoked = await admin.invitations.create({
      email: email('revoked'),
      role: 'contributor',
      scope: 'entityType:trucks',
      parentId: h.adminId,
    })
    await admin.invitations.revoke({ userId: revoked.user.id })
    const pendingOf = (userId: string) =>
      h.database.db.selectFrom('invitation_bindings').select('scope').where('user_id', '=', userId).execute()
    expect(await pendingOf(revoked.user.id)).toEqual([])

    await admin.entityTypes.create({ name: 'boats', schema: { type: 'object' } })
    const to = email('sailor')
    const invited = await admin.invitations.create({
      email: to,
      bindings: [
        { role: 'contributor', scope: 'entityType:boats' },
        { role: 'contributor', scope: 'entityType:cars' },
      ],
      parentId: h.adminId,
    })
    await admin.entityTypes.delete({ name: 'boats' })
    expect(await pendingOf(invited.user.id)).toEqual([{ scope: 'entityType:cars' }])
    await accept(to)
    expect((await rolesOf(invited.user.id)).map((binding) => binding.scope)).toEqual(['entityType:cars'])
  })
})
