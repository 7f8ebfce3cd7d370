import { defineEntityTypes } from '@trellis/core'

const named = { name: { type: 'string', minLength: 1, maxLength: 200 } } as const

// The resources Bobsled's permission tables talk about (seeds/bobsled-users-and-roles.txt).
export const bobsledEntityTypes = defineEntityTypes({
  // An organization is linked to its member users through its owner: the organization's
  // account, a user of the tree with its consumers below it, owns the record.
  consumerOrganizations: {
    description: 'The customers that shares are delivered to; owned by the organization’s account user',
    schema: { type: 'object', properties: { ...named }, required: ['name'] },
  },
  dataSources: {
    description: 'Where shared data comes from',
    schema: {
      type: 'object',
      properties: { ...named, kind: { enum: ['snowflake', 'bigquery', 'databricks', 's3', 'gcs', 'azure'] } },
      required: ['name', 'kind'],
    },
  },
  destinations: {
    description: 'Where a share is delivered',
    schema: {
      type: 'object',
      properties: { ...named, kind: { enum: ['snowflake', 'bigquery', 'databricks', 's3', 'gcs', 'azure'] } },
      required: ['name', 'kind'],
    },
  },
  shares: {
    description:
      'Data shared with consumers and consumer organizations; owned by the consumer it is first shared with',
    schema: {
      type: 'object',
      properties: {
        ...named,
        sourceId: { type: 'string', format: 'uuid' },
        consumerOrganizationId: { type: 'string', format: 'uuid' },
        destinationId: { type: 'string', format: 'uuid' },
        metadata: { type: 'object' },
      },
      required: ['name'],
    },
    references: {
      sourceId: 'dataSources',
      consumerOrganizationId: 'consumerOrganizations',
      destinationId: 'destinations',
    },
    // Whom else a share is shared with. Each may read it and set its destination; an
    // organization's member users (those below its account) count with it.
    parties: {
      consumers: {
        description: 'Further consumers the share is shared with',
        from: 'users',
        actions: ['read', 'setDestination'],
      },
      organization: {
        description: 'The account of the consumer organization in consumerOrganizationId, with its members',
        from: { reference: 'consumerOrganizationId' },
        reaches: 'members',
        actions: ['read', 'setDestination'],
      },
      organizations: {
        description:
          'Further organizations (their account users) the share is shared with, with their members',
        from: 'users',
        reaches: 'members',
        actions: ['read', 'setDestination'],
      },
    },
    // A share without a destination waits for one; its consumer may set it (the seed's footnote).
    stateMachine: {
      initial: 'awaitingDestination',
      transitions: {
        setDestination: { from: ['awaitingDestination'], to: 'active', fields: ['destinationId'] },
        archive: { from: ['awaitingDestination', 'active'], to: 'archived' },
      },
    },
  },
  transfers: {
    description: 'Data deliveries of a share',
    schema: {
      type: 'object',
      properties: {
        shareId: { type: 'string', format: 'uuid' },
        schedule: { type: 'string', maxLength: 100 },
      },
      required: ['shareId'],
    },
    references: { shareId: 'shares' },
    stateMachine: {
      initial: 'running',
      transitions: {
        pause: { from: ['running'], to: 'paused' },
        resume: { from: ['paused'], to: 'running' },
      },
    },
  },
  serviceAccounts: {
    description: 'Machine identities; their secrets are API keys (apiKeys.*)',
    schema: {
      type: 'object',
      properties: { ...named, userId: { type: 'string', format: 'uuid' } },
      required: ['name'],
    },
  },
  webhooks: {
    description: 'Callbacks on events',
    schema: {
      type: 'object',
      properties: {
        url: { type: 'string', format: 'uri' },
        events: { type: 'array', items: { type: 'string' } },
      },
      required: ['url'],
    },
  },
  environmentMetadata: {
    description: 'Bobsled metadata of the environment',
    schema: { type: 'object' },
  },
  sourceSetupMetadata: {
    description: 'What a source needs to be set up',
    schema: { type: 'object' },
  },
  clientIds: {
    description: "The environment's client IDs",
    schema: { type: 'object', properties: { clientId: { type: 'string' } }, required: ['clientId'] },
  },
  authenticationMethods: {
    description: 'How users authenticate',
    schema: {
      type: 'object',
      properties: { method: { enum: ['password', 'sso', 'saml'] } },
      required: ['method'],
    },
  },
  deliveryPreferences: {
    description: 'Data delivery preferences',
    schema: { type: 'object' },
  },
})
