import { randomUUID } from 'node:crypto'
import { targetOf } from '../trpc/record-audit-event.js'
import type { WebhookEvent } from './webhook-events.js'

/**
 * What a subscriber receives: which change, by whom, on what. Only ids and names, never
 * the changed data: a receiver reads it through the API with its own credentials, so a
 * webhook URL never sees more than the caller it acts for may read (docs/webhooks.md).
 */
export interface WebhookPayload {
  /** The event's id, the same on every attempt and for every subscriber: dedupe by it. */
  readonly id: string
  readonly event: WebhookEvent
  readonly occurredAt: string
  /** Who made the change; null for an anonymous call. */
  readonly actorId: string | null
  /** The record (`records.*`) or user (`users.*`) changed; null for `roles.*`. */
  readonly targetId: string | null
  /** The role a `roles.*` event changed, or `users.assignRole`/`unassignRole` bound. */
  readonly role?: string
  /** The scope of the binding `users.assignRole`/`unassignRole` made or removed, null for none. */
  readonly scope?: string | null
}

/** The facts of a successful call a payload is made from (init.ts has them at hand). */
export interface WebhookCall {
  readonly actorId: string | null
  readonly rawInput: unknown
}

function textIn(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const found = (value as Record<string, unknown>)[key]
  return typeof found === 'string' ? found : undefined
}

/**
 * The payload of a call that succeeded, so its input passed validation: an update or delete
 * names its target in the input (`id`), a create's is the new row's id in the result.
 */
export function webhookPayload(event: WebhookEvent, call: WebhookCall, result: unknown): WebhookPayload {
  const base = { id: randomUUID(), event, occurredAt: new Date().toISOString(), actorId: call.actorId }
  if (event.startsWith('roles.')) {
    const role = textIn(call.rawInput, 'name') ?? textIn(call.rawInput, 'role')
    return { ...base, targetId: null, ...(role === undefined ? {} : { role }) }
  }
  const targetId = targetOf(call.rawInput) ?? targetOf(result)
  if (event === 'users.assignRole' || event === 'users.unassignRole') {
    return {
      ...base,
      targetId,
      role: textIn(call.rawInput, 'role') ?? '',
      scope: textIn(call.rawInput, 'scope') ?? null,
    }
  }
  return { ...base, targetId }
}
