import { describe, expect, it } from 'vitest'
import type { Logger } from '../logger.js'
import { logMailSender } from './log-mail-sender.js'

/** A logger that keeps its info lines' fields. */
function capturingLogger(): { logger: Logger; lines: object[] } {
  const lines: object[] = []
  const ignore = () => {}
  return {
    logger: { debug: ignore, warn: ignore, error: ignore, info: (fields) => lines.push(fields) },
    lines,
  }
}

const MAIL = {
  recipient: 'a@example.com',
  subject: 'Reset your Trellis password',
  body: 'Open https://trellis.example.com/reset-password?token=trt_Ab-9_x or use trt_Ab-9_x; invited: tri_Zz0',
}

describe('the log mail sender', () => {
  it('logs who was mailed what, with reset and invitation tokens hidden', async () => {
    const { logger, lines } = capturingLogger()
    await logMailSender(logger).send(MAIL)
    expect(lines).toEqual([
      {
        mail: {
          recipient: 'a@example.com',
          subject: 'Reset your Trellis password',
          body: 'Open https://trellis.example.com/reset-password?token=[token hidden] or use [token hidden]; invited: [token hidden]',
        },
      },
    ])
  })

  it('shows the tokens when asked (TRELLIS_MAIL_LOG_TOKENS=1)', async () => {
    const { logger, lines } = capturingLogger()
    await logMailSender(logger, { showTokens: true }).send(MAIL)
    expect(lines).toEqual([{ mail: MAIL }])
  })
})
