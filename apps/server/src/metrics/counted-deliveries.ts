import type { MailSender } from '@trellis/api'
import type { ServerMetrics } from './server-metrics.js'

/** The sender, with each attempt's outcome counted (`trellis_outbox_deliveries_total`). */
export function countedDeliveries(sender: MailSender, metrics: ServerMetrics): MailSender {
  return {
    async send(mail) {
      try {
        await sender.send(mail)
      } catch (error) {
        metrics.recordDelivery('failed')
        throw error
      }
      metrics.recordDelivery('sent')
    },
  }
}
