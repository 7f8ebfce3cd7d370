import type { PresetDemo } from '../demo-world.js'

// Owner (the first administrator) → a user per other role. The consumer owns the share it
// is shared with and that share's transfer; the integrator owns the data source.
export const bobsledDemo: PresetDemo = {
  users: [
    { name: 'member', role: 'member' },
    { name: 'fulfillment', role: 'fulfillment' },
    { name: 'integrator', role: 'integrator' },
    { name: 'consumer', role: 'consumer', parent: 'fulfillment' },
    { name: 'viewer', role: 'viewer' },
  ],
  records: [
    { key: 'acme', entityType: 'consumerOrganizations', owner: 'fulfillment', data: { name: 'Acme' } },
    {
      key: 'warehouse',
      entityType: 'dataSources',
      owner: 'integrator',
      data: { name: 'Warehouse', kind: 'snowflake' },
    },
    {
      key: 'share',
      entityType: 'shares',
      owner: 'consumer',
      data: (idOf) => ({
        name: 'Quarterly sales',
        sourceId: idOf('warehouse'),
        consumerOrganizationId: idOf('acme'),
      }),
    },
    {
      entityType: 'transfers',
      owner: 'consumer',
      data: (idOf) => ({ shareId: idOf('share'), schedule: 'daily' }),
    },
    { entityType: 'serviceAccounts', owner: 'member', data: { name: 'etl' } },
    { entityType: 'environmentMetadata', owner: 'admin', data: { region: 'eu-west-1' } },
  ],
}
