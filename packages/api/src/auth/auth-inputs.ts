import { z } from 'zod'
import { PasswordInput } from '../identity/password-policy.js'
import { text } from '../inputs/text.js'

// Login takes any password up to the limit: the policy applies when one is set, not when one is tried.
export const LoginInput = z.object({ email: z.email().max(254), password: text().min(1).max(256) })

export const ChangePasswordInput = z.object({
  currentPassword: text().min(1).max(256),
  newPassword: PasswordInput,
})

export const RequestPasswordResetInput = z.object({ email: z.email().max(254) })

export const ResetPasswordInput = z.object({ token: text().min(8).max(512), newPassword: PasswordInput })
