export { createTestDatabase, type TestDatabase } from './create-test-database.js'
export { clearUsers, insertNamedTree, type NamedTree } from './named-tree.js'
export { busyBackendCount, terminateBackends } from './terminate-backends.js'
export { testEntityTypeId } from './test-entity-type.js'
