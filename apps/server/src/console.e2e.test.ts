import { existsSync } from 'node:fs'
import { mkdtemp, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTrellisClient, type TrellisClient } from '@trellis/sdk'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

// The system's Chromium, never a downloaded one.
const CHROMIUM = '/usr/bin/chromium'
const CONSOLE_INDEX = new URL('../../console/dist/index.html', import.meta.url)
const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }
const NEW_ADMIN_PASSWORD = 'a brand new admin password'
const BOB = { email: 'bob@example.com', password: 'bobs own password' }

// The web console (apps/console, built) served by the real server at `/`, driven in a real
// Chromium: each step is what an administrator does, and what the server answered is read
// off the page. Screenshots of every step go to a temp folder (its path is logged).
describe('the web console in a real browser', () => {
  let server: TestServer
  let browser: Browser
  let admin: TrellisClient
  let adminPage: Page
  let bobContext: BrowserContext | undefined
  let bobPage: Page
  let shots: string

  const shoot = async (page: Page, name: string) => {
    const path = join(shots, `${name}.png`)
    await page.screenshot({ path, fullPage: true })
    expect((await stat(path)).size).toBeGreaterThan(2000)
  }
  const signIn = async (page: Page, email: string, password: string) => {
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }
  const bobId = async () => (await admin.users.list.query({ search: BOB.email })).items[0]!.id
  const nav = (page: Page, name: string) => page.locator('nav').getByRole('link', { name, exact: true })

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium is missing at ${CHROMIUM}: install it with "apt-get update && apt-get install -y chromium" (this test drives the system browser and never downloads one)`,
      )
    if (!existsSync(CONSOLE_INDEX))
      throw new Error(
        'The console is not built: run "pnpm build" (turbo builds apps/console before this test)',
      )
    shots = await mkdtemp(join(tmpdir(), 'trellis-console-'))
    console.log(`Console screenshots: ${shots}`)
    server = await startTestServer()
    browser = await chromium.launch({ executablePath: CHROMIUM, timeout: 20_000 })
    // What the console will show, set up through the SDK as another app would.
    admin = createTrellisClient({ url: server.trpcUrl })
    await admin.auth.login.mutate(ADMIN)
    await admin.roles.create.mutate({
      name: 'clerk',
      description: 'Reads itself',
      grants: { 'users.read': 'SELF' },
    })
    await admin.entityTypes.create.mutate({
      name: 'notes',
      description: 'Short notes',
      schema: {
        type: 'object',
        properties: { title: { type: 'string' }, pages: { type: 'integer' } },
        required: ['title'],
        additionalProperties: false,
      },
      stateMachine: { initial: 'draft', transitions: { publish: { from: ['draft'], to: 'published' } } },
    })
    const { id: adminId } = await admin.auth.me.query()
    await admin.users.create.mutate({ email: 'carol@example.com', displayName: 'Carol', parentId: adminId })
    for (let n = 1; n <= 12; n++)
      await admin.records.create.mutate({ entityType: 'notes', data: { title: `note ${n}` } })
  }, 60_000)
  afterEach(async (test) => {
    if (test.task.result?.state === 'fail')
      for (const [name, page] of [
        ['admin', adminPage],
        ['bob', bobPage],
      ] as const)
        if (page && !page.isClosed())
          await page.screenshot({ path: join(shots, `failed-${name}.png`), fullPage: true })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('serves the console at / and for client-side routes, with the API and health unchanged', async () => {
    const index = await fetch(`${server.url}/`)
    expect(index.status).toBe(200)
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await index.text()
    expect(html).toContain('<div id="root">')
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    expect(script).toBeDefined()
    const asset = await fetch(`${server.url}${script}`)
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    // A reload on a client-side route gets the app; a missing file is still a 404.
    expect(await (await fetch(`${server.url}/users?x=1`)).text()).toBe(html)
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404)
    // An encoded `../` reaches the server as it is: it must not leave the console's folder.
    const traversal = await fetch(`${server.url}/assets/..%2f..%2fpackage.json`)
    expect(traversal.status).toBe(404)
    expect(await traversal.text()).not.toContain('@trellis/console')
    expect((await fetch(`${server.url}/health`)).status).toBe(200)
    expect((await fetch(`${server.trpcUrl}/system.info`)).headers.get('content-type')).toContain(
      'application/json',
    )
  })

  it('signs in, changes the password, signs out, and signs in with the new one', async () => {
    const context = await browser.newContext()
    // A step that does not happen fails in seconds, naming what it waited for.
    // Generous: each wait ends as soon as the page is there, and a busy machine (argon2 on
    // two cores) can take seconds for a sign-in.
    context.setDefaultTimeout(20_000)
    adminPage = await context.newPage()
    await adminPage.goto(`${server.url}/`)
    await signIn(adminPage, ADMIN.email, 'not the password')
    await adminPage.getByRole('alert').waitFor()
    expect(await adminPage.getByRole('alert').textContent()).toBe('Invalid or missing credentials')
    await shoot(adminPage, '01-sign-in-refused')

    await signIn(adminPage, ADMIN.email, ADMIN.password)
    await nav(adminPage, ADMIN.email).click()
    await adminPage.getByLabel('Current password').fill(ADMIN.password)
    await adminPage.getByLabel('New password').fill(NEW_ADMIN_PASSWORD)
    await adminPage.getByRole('button', { name: 'Change password' }).click()
    await adminPage.getByText('Password changed.').waitFor()
    await shoot(adminPage, '02-password-changed')
    await adminPage.getByRole('button', { name: 'Sign out' }).click()
    await adminPage.getByRole('heading', { name: 'Sign in to Trellis' }).waitFor()
    // No script can read the session: the cookie is httpOnly, and gone after sign-out.
    expect(await context.cookies(server.url)).toEqual([])

    await signIn(adminPage, ADMIN.email, NEW_ADMIN_PASSWORD)
    await nav(adminPage, 'Users').waitFor()
    expect(await context.cookies(server.url)).toEqual([
      expect.objectContaining({ name: 'trellis_session', httpOnly: true }),
    ])
    await shoot(adminPage, '03-signed-in')
    // The change ended the administrator's other sessions, the SDK's among them.
    await expect(admin.auth.me.query()).rejects.toThrow('Invalid or missing credentials')
    admin = createTrellisClient({ url: server.trpcUrl })
    await admin.auth.login.mutate({ email: ADMIN.email, password: NEW_ADMIN_PASSWORD })
  }, 60_000)

  it('invites from the console, and the invitee accepts from the link and signs in', async () => {
    await nav(adminPage, 'Invitations').click()
    await adminPage.getByLabel('Email').fill(BOB.email)
    await adminPage.getByLabel('Role').selectOption('clerk')
    await adminPage.getByRole('button', { name: 'Send invitation' }).click()
    await adminPage.getByText(`Invited ${BOB.email}`).waitFor()
    await adminPage.getByRole('cell', { name: BOB.email }).waitFor()
    await shoot(adminPage, '04-invited')

    const link = await server.mail.latestMatch(
      server.database.db,
      BOB.email,
      /\/accept\?token=tri_[A-Za-z0-9_-]+/,
    )
    bobContext = await browser.newContext()
    bobContext.setDefaultTimeout(20_000)
    bobPage = await bobContext.newPage()
    await bobPage.goto(`${server.url}${link}`)
    await bobPage.getByLabel('Your name').fill('Bob')
    await bobPage.getByLabel('Choose a password').fill(BOB.password)
    await bobPage.getByRole('button', { name: 'Accept' }).click()
    await bobPage.getByText(`Welcome, ${BOB.email}`).waitFor()
    await shoot(bobPage, '05-accepted')
    await bobPage.getByRole('button', { name: 'Sign in' }).click()
    await signIn(bobPage, BOB.email, BOB.password)
    // A clerk reads only itself: Users is all it is shown.
    await nav(bobPage, 'Users').waitFor()
    expect(await bobPage.locator('nav a').allTextContents()).toEqual(['Users', BOB.email])
    await shoot(bobPage, '06-bob-signed-in')
  }, 60_000)

  it("changes a role in the matrix, and the other user's next action shows the new grant", async () => {
    await nav(adminPage, 'Roles').click()
    const cell = adminPage.getByLabel('clerk audit.read', { exact: true })
    expect(await cell.inputValue()).toBe('')
    await cell.selectOption('OWNED')
    await adminPage.getByText('Saved (clerk · audit.read).').waitFor()
    await shoot(adminPage, '07-matrix-saved')
    const stored = await admin.roles.get.query({ name: 'clerk' })
    expect(stored.grants).toMatchObject({ 'audit.read': 'OWNED' })

    // Bob does nothing special: his next navigation asks again what he may do.
    expect(await nav(bobPage, 'Audit log').count()).toBe(0)
    await nav(bobPage, BOB.email).click()
    await nav(bobPage, 'Audit log').waitFor()
    // Something of his own to see: a password change (his session stays).
    await bobPage.getByLabel('Current password').fill(BOB.password)
    await bobPage.getByLabel('New password').fill(`${BOB.password} 2`)
    await bobPage.getByRole('button', { name: 'Change password' }).click()
    await bobPage.getByText('Password changed.').waitFor()
    await nav(bobPage, 'Audit log').click()
    // At OWNED he sees what he did himself, not the administrator's events.
    await bobPage.getByRole('cell', { name: 'auth.changePassword' }).waitFor()
    expect(await bobPage.getByRole('cell', { name: 'roles.setGrant' }).count()).toBe(0)
    await shoot(bobPage, '08-bob-sees-audit')
  }, 60_000)

  it('opens a user from the lazy tree with its roles, and deactivates and reactivates it', async () => {
    await nav(adminPage, 'Users').click()
    // The tree starts at the signed-in user, whose children load when it is shown.
    await adminPage.getByRole('button', { name: 'Bob', exact: true }).click()
    await adminPage.getByRole('heading', { name: 'Bob' }).waitFor()
    expect(await adminPage.getByRole('list', { name: 'Roles of the user' }).textContent()).toContain('clerk')
    await adminPage.getByRole('button', { name: 'Deactivate' }).click()
    await adminPage.getByRole('button', { name: 'Reactivate' }).waitFor()
    expect((await admin.users.get.query({ id: await bobId() })).status).toBe('deactivated')
    await shoot(adminPage, '09-user-deactivated')
    await adminPage.getByRole('button', { name: 'Reactivate' }).click()
    await adminPage.getByRole('button', { name: 'Deactivate' }).waitFor()
    expect((await admin.users.get.query({ id: await bobId() })).status).toBe('active')
    await adminPage.getByLabel('Search users').fill('bob@')
    await adminPage.getByRole('button', { name: 'Bob <bob@example.com>' }).waitFor()
    await adminPage.getByLabel('Search users').fill('')

    // Move Carol under Bob with the picker; expanding Bob then loads her.
    await adminPage.getByRole('button', { name: 'Carol', exact: true }).click()
    await adminPage.getByRole('heading', { name: 'Carol' }).waitFor()
    await adminPage.getByLabel('Move under…').fill('bob@')
    await adminPage.getByRole('button', { name: BOB.email, exact: true }).click()
    await adminPage
      .locator('.node', { hasText: 'bob@example.com' })
      .getByRole('button', { name: 'Expand' })
      .click()
    await adminPage.locator('.tree ul ul ul').getByRole('button', { name: 'Carol', exact: true }).waitFor()
    const carol = (await admin.users.list.query({ search: 'carol@' })).items[0]!
    expect(carol.parentId).toBe(await bobId())
    await shoot(adminPage, '09-user-moved')

    // Delete her, confirming the browser's question.
    adminPage.once('dialog', (dialog) => void dialog.accept())
    await adminPage.getByRole('button', { name: 'Delete user' }).click()
    await adminPage.getByRole('heading', { name: 'Carol' }).waitFor({ state: 'detached' })
    expect((await admin.users.list.query({ search: 'carol@' })).items).toEqual([])
  }, 60_000)

  it('creates a service account and a key whose secret is shown once, and explains a decision', async () => {
    await nav(adminPage, 'Service accounts').click()
    await adminPage.getByLabel('Service account email').fill('robot@example.com')
    await adminPage.getByRole('button', { name: 'Create service account' }).click()
    await adminPage.getByLabel('Key name').fill('ci')
    await adminPage.getByRole('button', { name: 'New key' }).click()
    const secret = await adminPage.locator('.secret code').textContent()
    expect(secret).toMatch(/^trk_/)
    // The key works, and the console shows only its prefix from now on.
    const robot = createTrellisClient({ url: server.trpcUrl, apiKey: secret! })
    expect((await robot.auth.me.query()).email).toBe('robot@example.com')
    await adminPage.getByRole('button', { name: 'I have copied it' }).click()
    expect(await adminPage.locator('body').textContent()).not.toContain(secret!)
    await shoot(adminPage, '10-api-key')

    await nav(adminPage, 'Explain').click()
    await adminPage.getByLabel('Find the user…').fill('bob@')
    await adminPage.getByRole('button', { name: BOB.email }).click()
    await adminPage.getByLabel('Permission').fill('users.move')
    await adminPage.getByRole('button', { name: 'Explain' }).click()
    await adminPage.getByRole('heading', { name: 'Denied' }).waitFor()
    expect(await adminPage.getByText('No role grants this permission').count()).toBe(1)
    await shoot(adminPage, '11-explain')
  }, 60_000)

  it('creates a record from its schema form, moves it along a transition, and pages through the list', async () => {
    await nav(adminPage, 'Records').click()
    await adminPage.getByLabel('title *').fill('from the console')
    await adminPage.getByLabel('pages').fill('3')
    await adminPage.getByRole('button', { name: 'Create notes' }).click()
    const rows = adminPage.locator('tr[data-record]')
    // (jsonb keeps its own key order.)
    await adminPage.getByText('{"pages":3,"title":"from the console"}').waitFor()
    expect(await rows.count()).toBe(10)
    const newest = rows.first()
    await newest.getByRole('button', { name: 'publish' }).click()
    await newest.getByRole('cell', { name: 'published', exact: true }).waitFor()
    await shoot(adminPage, '12-records-page-1')

    await adminPage.getByRole('button', { name: 'Next' }).click()
    await adminPage.getByText('Page 2').waitFor()
    await adminPage.getByText('{"title":"note 1"}').waitFor()
    expect(await rows.count()).toBe(3)
    expect(await adminPage.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true)
    await shoot(adminPage, '13-records-page-2')
    await adminPage.getByRole('button', { name: 'Previous' }).click()
    await adminPage.getByText('{"title":"note 12"}').waitFor()
  }, 60_000)

  it("shows the server's refusal of a forbidden change, and changes nothing", async () => {
    await nav(adminPage, 'Roles').click()
    // The protected admin role keeps its administration, whoever asks.
    // (click, not uncheck: the box stays checked, as the server refused.)
    await adminPage.getByLabel('admin roles.update', { exact: true }).click()
    await adminPage.getByRole('alert').waitFor()
    expect(await adminPage.getByRole('alert').textContent()).toMatch(
      /^Not saved \(admin · roles\.update\): .+/,
    )
    await shoot(adminPage, '14-refused')
    expect((await admin.roles.get.query({ name: 'admin' })).grants['roles.update']).toBe(true)
    expect(await adminPage.getByLabel('admin roles.update', { exact: true }).isChecked()).toBe(true)

    // A clerk allowed to edit roles still cannot grant what it does not hold itself.
    await admin.roles.setGrant.mutate({ role: 'clerk', permission: 'roles.read', grant: true })
    await admin.roles.setGrant.mutate({ role: 'clerk', permission: 'roles.update', grant: true })
    // His deactivation earlier ended his session: the console asks him to sign in again.
    await bobPage.reload()
    await bobPage.getByRole('heading', { name: 'Sign in to Trellis' }).waitFor()
    await signIn(bobPage, BOB.email, `${BOB.password} 2`)
    await nav(bobPage, 'Roles').click()
    await bobPage.getByLabel('clerk users.delete', { exact: true }).selectOption('ALL')
    await bobPage.getByRole('alert').waitFor()
    expect(await bobPage.getByRole('alert').textContent()).toMatch(/^Not saved \(clerk · users\.delete\): .+/)
    await shoot(bobPage, '15-escalation-refused')
    expect((await admin.roles.get.query({ name: 'clerk' })).grants['users.delete']).toBeUndefined()
    expect(await bobPage.getByLabel('clerk users.delete', { exact: true }).inputValue()).toBe('')
  }, 60_000)
})
