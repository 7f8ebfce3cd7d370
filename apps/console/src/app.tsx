import { useQuery, useQueryClient } from '@tanstack/react-query'
import { isTrellisError } from '@trellis/sdk'
import { useEffect } from 'react'
import { AcceptInvitationPage } from './accept-invitation-page'
import { AccountPage } from './account-page'
import { ApiKeysPage } from './api-keys-page'
import { AuditPage } from './audit-page'
import { ErrorMessage } from './error-message'
import { ExplainPage } from './explain-page'
import { InvitationsPage } from './invitations-page'
import { navigate, useLocation } from './navigation'
import { RecordsPage } from './records-page'
import { ResetPasswordPage } from './reset-password-page'
import { RolesPage } from './roles-page'
import { SignInPage } from './sign-in-page'
import { useTRPC } from './trellis'
import { useCan } from './use-can'
import { UsersPage } from './users-page'

const PAGES = [
  { path: '/users', label: 'Users', permission: 'users.read' },
  { path: '/roles', label: 'Roles', permission: 'roles.read' },
  { path: '/invitations', label: 'Invitations', permission: 'invitations.read' },
  { path: '/service-accounts', label: 'Service accounts', permission: 'apiKeys.read' },
  { path: '/records', label: 'Records', permission: 'entityTypes.read' },
  { path: '/audit', label: 'Audit log', permission: 'audit.read' },
  { path: '/explain', label: 'Explain', permission: 'access.explain' },
] as const

/** The signed-in shell: navigation to what the caller may use, and the current page. */
export function App() {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const { path } = useLocation()
  const me = useQuery(trpc.auth.me.queryOptions())
  const allowed = useCan()

  // Grants change under a signed-in user: each navigation asks again what it may do.
  useEffect(() => {
    void path
    void queryClient.invalidateQueries({ queryKey: trpc.access.mine.queryKey() })
  }, [path, queryClient, trpc])

  if (path === '/accept') return <AcceptInvitationPage />
  if (path === '/reset-password') return <ResetPasswordPage />
  if (me.isPending) return <p className="loading">Loading…</p>
  if (me.error) {
    if (isTrellisError(me.error) && me.error.data.code === 'UNAUTHORIZED') return <SignInPage />
    return <ErrorMessage error={me.error} />
  }
  const pages = PAGES.filter((page) => allowed(page.permission))
  const current = path === '/' ? (pages[0]?.path ?? '/account') : path
  return (
    <div className="shell">
      <nav>
        <strong>Trellis</strong>
        {pages.map((page) => (
          <NavLink key={page.path} to={page.path} current={current}>
            {page.label}
          </NavLink>
        ))}
        <NavLink to="/account" current={current}>
          {me.data.email}
        </NavLink>
      </nav>
      <main>
        <Page path={current} />
      </main>
    </div>
  )
}

function NavLink({ to, current, children }: { to: string; current: string; children: React.ReactNode }) {
  return (
    <a
      href={to}
      className={current.startsWith(to) ? 'active' : undefined}
      onClick={(event) => {
        event.preventDefault()
        navigate(to)
      }}
    >
      {children}
    </a>
  )
}

function Page({ path }: { path: string }) {
  if (path.startsWith('/users')) return <UsersPage />
  if (path.startsWith('/roles')) return <RolesPage />
  if (path.startsWith('/invitations')) return <InvitationsPage />
  if (path.startsWith('/service-accounts')) return <ApiKeysPage />
  if (path.startsWith('/records')) return <RecordsPage />
  if (path.startsWith('/audit')) return <AuditPage />
  if (path.startsWith('/explain')) return <ExplainPage />
  if (path.startsWith('/account')) return <AccountPage />
  return <p>Nothing here.</p>
}
