import { describe, expect, it } from 'vitest'
import { isWebhookSignatureValid, signWebhook } from './webhook-signature.js'

describe('the webhook signature', () => {
  const body = '{"id":"e1"}'

  it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<body>" with the secret', () => {
    // Computed apart: printf '1700000000.{"id":"e1"}' | openssl dgst -sha256 -hmac whsec_test
    expect(signWebhook('whsec_test', 1_700_000_000, body)).toBe(
      'v1=6a85cb117c993612a34c72b4cfb5a16baed25a80d26e298ce0e6671320fd07c8',
    )
  })

  it('verifies only the same secret, timestamp and body', () => {
    const signature = signWebhook('whsec_test', 1_700_000_000, body)
    expect(isWebhookSignatureValid('whsec_test', 1_700_000_000, body, signature)).toBe(true)
    expect(isWebhookSignatureValid('whsec_other', 1_700_000_000, body, signature)).toBe(false)
    expect(isWebhookSignatureValid('whsec_test', 1_700_000_001, body, signature)).toBe(false)
    expect(isWebhookSignatureValid('whsec_test', 1_700_000_000, '{"id":"e2"}', signature)).toBe(false)
    expect(isWebhookSignatureValid('whsec_test', 1_700_000_000, body, 'v1=00')).toBe(false)
  })
})
