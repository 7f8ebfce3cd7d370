import { ROLE_NAME_PATTERN } from '@trellis/core'
import { z } from 'zod'
import { GrantInput, GrantsInput, PermissionInput } from '../access/permission-input.js'
import { text } from '../inputs/text.js'

export const RoleName = z
  .string()
  .regex(ROLE_NAME_PATTERN, 'A role name is lowercase letters, digits, "-" or "_", starting with a letter')

export { GrantInput }

export const CreateRoleInput = z.object({
  name: RoleName,
  description: text().max(500).default(''),
  grants: GrantsInput.default({}),
})

export const SetGrantInput = z.object({
  role: RoleName,
  permission: PermissionInput,
  /** `true` or a level to enable (or change the level); `null` to disable. */
  grant: GrantInput.nullable(),
})
