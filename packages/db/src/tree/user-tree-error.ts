/** Why a change to the user tree was refused; the API maps each code to a tRPC error. */
export const USER_TREE_ERRORS = {
  USER_NOT_FOUND: 'User not found',
  PARENT_NOT_FOUND: 'Parent not found',
  HEIR_NOT_FOUND: 'The user to transfer to was not found',
  MOVE_CREATES_CYCLE: 'A user cannot be moved under itself or one of its descendants',
  DELETE_NEEDS_HEIR:
    'This user has children or owned records and no parent to receive them: name a user to transfer them to (transferTo), or move them first',
  HEIR_IN_SUBTREE:
    'Cannot transfer to the deleted user or one of its descendants: name a user outside its subtree',
} as const

export type UserTreeErrorCode = keyof typeof USER_TREE_ERRORS

export class UserTreeError extends Error {
  readonly code: UserTreeErrorCode
  constructor(code: UserTreeErrorCode) {
    super(USER_TREE_ERRORS[code])
    this.name = 'UserTreeError'
    this.code = code
  }
}
