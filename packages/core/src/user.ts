/** A person logs in with a password; a service calls with an API key. Both sit in the tree. */
export const USER_KINDS = ['person', 'service'] as const
export type UserKind = (typeof USER_KINDS)[number]

/** `invited`: created, not yet accepted; `deactivated`: can call nothing, loses nothing. */
export const USER_STATUSES = ['invited', 'active', 'deactivated'] as const
export type UserStatus = (typeof USER_STATUSES)[number]
