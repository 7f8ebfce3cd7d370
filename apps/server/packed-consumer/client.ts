// An app that installed the packed @trellis/sdk from its tarball (packed-packages.e2e.test.ts):
// it signs in to the server it is given and prints what its calls returned.
import { createTrellisClient, isTrellisError, type RouterOutputs } from '@trellis/sdk'

const [url, email, password] = process.argv.slice(2)
if (!url || !email || !password) throw new Error('Usage: node client.js <trpc url> <email> <password>')

const trellis = createTrellisClient({ url })
const session = await trellis.auth.login.mutate({ email, password })
const me: RouterOutputs['auth']['me'] = await trellis.auth.me.query()
// Made together, so sent as one batch.
const [info, page] = await Promise.all([
  trellis.system.info.query(),
  trellis.users.list.query({ status: 'active', limit: 5 }),
])
const refused = await trellis.system.ping.query({ echo: '' }).then(
  () => 'accepted',
  (error: unknown) => (isTrellisError(error) ? error.data?.code : 'not a TrellisError'),
)
console.log(
  JSON.stringify({
    signedIn: session.user.email === me.email,
    me: me.email,
    database: info.database,
    users: page.items.map((user) => user.email),
    refused,
  }),
)

/** Never called: its error proves the router's types resolved (skipLibCheck turns a missing one into `any`). */
export function typeProbes() {
  // @ts-expect-error echo must be a string
  void trellis.system.ping.query({ echo: 42 })
}
