import { type Kysely, sql } from 'kysely'

/**
 * How many PostgreSQL backends whose connections are named `applicationName` (the
 * `application_name` connection parameter) are busy: running a query or inside a transaction.
 */
export async function busyBackendCount(admin: Kysely<any>, applicationName: string): Promise<number> {
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_stat_activity where application_name = ${applicationName} and state <> 'idle'
  `.execute(admin)
  return rows.length
}

/**
 * Ends every PostgreSQL backend whose connections are named `applicationName`, as an
 * administrator or a restart would (their clients see 57P01); returns how many. Run it
 * from another connection (`admin`): fault tests aim it at one server's pool only.
 */
export async function terminateBackends(admin: Kysely<any>, applicationName: string): Promise<number> {
  const { rows } = await sql<{ ended: boolean }>`
    select pg_terminate_backend(pid) as ended from pg_stat_activity
    where application_name = ${applicationName} and pid <> pg_backend_pid()
  `.execute(admin)
  return rows.filter((row) => row.ended).length
}
