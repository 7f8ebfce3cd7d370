export { toCount } from './count.js'
export {
  createDatabase,
  type DatabaseConfig,
  type DatabaseDialect,
  dialectOf,
} from './create-database.js'
export { checkDatabase } from './database-health.js'
export { type MigrationOutcome, migrateToLatest } from './migrate.js'
export { migrations } from './migrations/index.js'
export type {
  Database,
  RoleGrantsTable,
  RolesTable,
  TrellisDatabase,
  UserKind,
  UserRolesTable,
  UserStatus,
  UsersTable,
} from './schema/database.js'
