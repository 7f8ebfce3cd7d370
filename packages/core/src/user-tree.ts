import type { Level } from './level.js'

/** A user tree in memory: each user's parent, `null` for a root. */
export type ParentMap = ReadonlyMap<string, string | null>

/** The user and every descendant of it (children, their children, ...). */
export function subtreeOf(tree: ParentMap, rootId: string): Set<string> {
  const children = new Map<string, string[]>()
  for (const [id, parent] of tree) {
    if (parent === null) continue
    const siblings = children.get(parent)
    if (siblings) siblings.push(id)
    else children.set(parent, [id])
  }
  const found = new Set<string>()
  const pending = tree.has(rootId) ? [rootId] : []
  while (pending.length > 0) {
    const id = pending.pop()!
    found.add(id)
    pending.push(...(children.get(id) ?? []))
  }
  return found
}

/** The chain from a user's parent up to its root, nearest first. */
export function ancestorsOf(tree: ParentMap, userId: string): string[] {
  const ancestors: string[] = []
  let current = tree.get(userId) ?? null
  while (current !== null && !ancestors.includes(current)) {
    ancestors.push(current)
    current = tree.get(current) ?? null
  }
  return ancestors
}

/** Whether putting `userId` under `newParentId` would make the user its own ancestor. */
export function moveWouldCreateCycle(tree: ParentMap, userId: string, newParentId: string): boolean {
  return newParentId === userId || ancestorsOf(tree, newParentId).includes(userId)
}

/**
 * The owners whose records `actorId` may touch at `level` (docs/model.md §2), computed the
 * plain way. This is the reference the SQL filters are tested against.
 *
 * @example visibleOwners(tree, 'merchant', 'UNION') // the merchant's parent and its whole subtree
 */
export function visibleOwners(tree: ParentMap, actorId: string, level: Level): Set<string> {
  if (!tree.has(actorId)) return new Set()
  switch (level) {
    case 'SELF':
      return new Set([actorId])
    case 'OWNED':
      return subtreeOf(tree, actorId)
    case 'UNION': {
      const parent = tree.get(actorId) ?? null
      return subtreeOf(tree, parent ?? actorId)
    }
    case 'ALL':
      return new Set(tree.keys())
  }
}
