import { USER_KINDS, USER_STATUSES } from '@trellis/core'
import { z } from 'zod'
import { text } from '../inputs/text.js'
import { PageInput, TotalInput } from '../pagination/page-input.js'

const email = z.email().max(254)
const displayName = text().trim().min(1).max(200)
const userId = z.uuid()

export const CreateUserInput = z.object({
  email,
  displayName: displayName.optional(),
  kind: z.enum(USER_KINDS).default('person'),
  /** Where the user goes; within the caller's level. */
  parentId: userId,
})

export const UserIdInput = z.object({ id: userId })

export const ListUsersInput = z.object({
  ...PageInput,
  ...TotalInput,
  status: z.enum(USER_STATUSES).optional(),
  kind: z.enum(USER_KINDS).optional(),
  /** Only users holding this role. */
  role: text().min(1).max(63).optional(),
  /** Only this user and its descendants. */
  subtreeOf: userId.optional(),
  /** Only direct children of this user. */
  parentId: userId.optional(),
  /** Part of the email or display name, case-insensitive. */
  search: text().trim().min(1).max(200).optional(),
})

export const ChildrenInput = z.object({ id: userId, ...PageInput })

export const UpdateUserInput = z
  .object({ id: userId, email: email.optional(), displayName: displayName.optional() })
  .refine((input) => input.email !== undefined || input.displayName !== undefined, {
    message: 'Nothing to update: give email or displayName',
  })

export const MoveUserInput = z.object({ id: userId, newParentId: userId.nullable() })

export const DeleteUserInput = z.object({
  id: userId,
  /** Who receives the user's children and records; by default its parent. */
  transferTo: userId.optional(),
})
