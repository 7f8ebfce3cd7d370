/** How a recorded call ended: done, refused (no credentials, no permission, out of level), or failed otherwise. */
export const AUDIT_OUTCOMES = ['allowed', 'denied', 'failed'] as const
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number]
