import { LEVELS } from '@trellis/core'
import { z } from 'zod'
import { keyedRecord } from '../inputs/keyed-record.js'
import { text } from '../inputs/text.js'

export const RoleName = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,62}$/,
    'A role name is lowercase letters, digits, "-" or "_", starting with a letter',
  )

export const GrantInput = z.union([z.literal(true), z.enum(LEVELS)])

export const CreateRoleInput = z.object({
  name: RoleName,
  description: text().max(500).default(''),
  grants: keyedRecord(GrantInput).default({}),
})

export const SetGrantInput = z.object({
  role: RoleName,
  permission: text().min(3).max(100),
  /** `true` or a level to enable (or change the level); `null` to disable. */
  grant: GrantInput.nullable(),
})
