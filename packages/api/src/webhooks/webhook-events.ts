/**
 * The events a webhook subscriber may receive: each is the name of the mutation that made
 * the change (docs/webhooks.md). A test checks this is every mutation of the records, users
 * and roles routers, so a new one is not left out unnoticed.
 */
export const WEBHOOK_EVENTS = [
  'records.create',
  'records.update',
  'records.delete',
  'records.transition',
  'records.addParty',
  'records.removeParty',
  'users.create',
  'users.update',
  'users.move',
  'users.delete',
  'users.deactivate',
  'users.reactivate',
  'users.createService',
  'users.updateService',
  'users.deleteService',
  'users.assignRole',
  'users.unassignRole',
  'roles.create',
  'roles.update',
  'roles.setGrant',
  'roles.delete',
] as const

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

const EVENTS: ReadonlySet<string> = new Set(WEBHOOK_EVENTS)

/** Whether a successful call of `procedure` is an event subscribers hear of. */
export function isWebhookEvent(procedure: string): procedure is WebhookEvent {
  return EVENTS.has(procedure)
}
