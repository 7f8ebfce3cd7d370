export { readEnv, type ServerEnv } from './env.js'
export { createLogger } from './logger.js'
export { type RunningServer, type StartServerOptions, startServer } from './start-server.js'
export { surviveDatabaseFaults } from './survive-database-faults.js'
