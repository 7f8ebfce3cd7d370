import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../testing/start-test-server.js'

const README = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../../..'), 'README.md')
const PASSWORD = 'correct horse battery'
const run = promisify(execFile)

/** The curl commands of the README's "first ten minutes", in order, continuation lines joined. */
function readmeCurlCommands(): string[] {
  const text = readFileSync(README, 'utf8')
  const section = text.slice(
    text.indexOf('### The first ten minutes'),
    text.indexOf('\n## ', text.indexOf('### The first ten minutes')),
  )
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.startsWith('curl '))
}

// The README's curl commands, run with the real curl against a started server: what a new
// user copies must work as written.
describe("the README's first ten minutes with curl", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ TRELLIS_ADMIN_PASSWORD: PASSWORD })
  })
  afterAll(() => server.stop())

  it('logs in, lists users and creates records over REST and over tRPC', async () => {
    const commands = readmeCurlCommands()
    expect(commands.length).toBeGreaterThanOrEqual(6)
    const env = { PATH: process.env.PATH ?? '', TRELLIS: server.url, PASSWORD, TOKEN: '' }
    for (const command of commands) {
      // `-f`: an HTTP failure is a non-zero exit, so a refused call fails here.
      const { stdout } = await run('bash', ['-c', command], { env })
      const answer = JSON.parse(stdout) as { token?: string; result?: { data: unknown } }
      if (answer.token) env.TOKEN = answer.token
      if (command.includes('/trpc/')) expect(answer.result, command).toHaveProperty('data')
    }
    expect(env.TOKEN).toMatch(/^trs_/)
    const records = await server.database.db
      .selectFrom('records')
      .select('data')
      .orderBy('created_at')
      .execute()
    expect(records.map((record) => record.data)).toEqual([
      { title: 'Printer on fire' },
      { title: 'Paper jam' },
    ])
  })
})
