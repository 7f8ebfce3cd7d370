/**
 * Materialised paths: a user's path lists the nodes from its root down to itself,
 * slash-delimited and slash-terminated: `/1/57/923/`.
 */

/** The path of a user with key `node` under a parent at `parentPath` (null: a root). */
export function childPath(parentPath: string | null, node: string): string {
  return `${parentPath ?? '/'}${node}/`
}

/** The parent's path, or null for a root. */
export function parentPathOf(path: string): string | null {
  const cut = path.lastIndexOf('/', path.length - 2)
  return cut <= 0 ? null : path.slice(0, cut + 1)
}

/**
 * The paths of every ancestor, nearest first; none for a root.
 *
 * @example ancestorPathsOf('/1/57/923/') // ['/1/57/', '/1/']
 */
export function ancestorPathsOf(path: string): string[] {
  const ancestors: string[] = []
  for (let parent = parentPathOf(path); parent !== null; parent = parentPathOf(parent)) ancestors.push(parent)
  return ancestors
}

/**
 * The half-open range of paths in a subtree, for a btree range scan in C collation:
 * every descendant path starts with `path`, and `/` + 1 is `0`, so they all sort
 * before `path` with its last `/` turned into `0`.
 *
 * @example subtreeRange('/1/57/') // ['/1/57/', '/1/570']
 */
export function subtreeRange(path: string): readonly [lower: string, upper: string] {
  return [path, `${path.slice(0, -1)}0`]
}

/** Whether `path` is `ancestorPath` itself or lies below it. */
export function isInSubtree(path: string, ancestorPath: string): boolean {
  return path.startsWith(ancestorPath)
}
