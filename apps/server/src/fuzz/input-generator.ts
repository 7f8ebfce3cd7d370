import {
  deeplyNested,
  EDGE_DATES,
  EDGE_NUMBERS,
  forgedCursors,
  INPUT_CLASSES,
  type InputClass,
  NUL_AND_SURROGATES,
  PROTO_NAMES,
  SQL_AND_PATH,
  unknownUuids,
  WRONG_TYPES,
} from './hostile-values.js'
import type { JsonSchema } from './procedure-catalog.js'
import type { SeededRandom } from './seeded-random.js'

/** Values that exist in the fuzz world, so that valid-ish inputs get past "not found". */
export interface FuzzPools {
  readonly ids: readonly string[]
  readonly emails: readonly string[]
  /** Role, entity type, transition, permission and status names, scopes... */
  readonly names: readonly string[]
  /** Record data and JSON Schemas that fit the world's entity type. */
  readonly objects: readonly Record<string, unknown>[]
  /**
   * Likelier values for a property of that name (`entityType`: the world's type), or of
   * that name in one resource's procedures (`records.id`: the world's records).
   */
  readonly byKey: Readonly<Record<string, readonly string[]>>
}

type Path = readonly (string | number)[]
type LeafKind = 'string' | 'uuid' | 'email' | 'date' | 'cursor' | 'number' | 'boolean' | 'array' | 'other'

interface Leaf {
  readonly path: Path
  readonly kind: LeafKind
}

/** A valid-ish input and where it can be attacked: its leaves (present or optional) and its maps. */
interface Shape {
  readonly value: unknown
  readonly leaves: Leaf[]
  /** Objects with free keys (records): their keys are attacked too. */
  readonly maps: Path[]
}

/** Where a call goes: a GET URL holds far less than a POST body, so hostile sizes follow. */
export type Transport = 'query' | 'mutation'

const STRING_KINDS: readonly LeafKind[] = ['string', 'uuid', 'email', 'date', 'cursor']

/**
 * Generates inputs for one procedure from its JSON Schema: a valid-ish one, then the same
 * with one place replaced by a value of the requested hostile class.
 *
 * @example
 * const generator = new InputGenerator(random, pools)
 * generator.generate(schema, 'nul-byte', 'mutation') // { email: 'a\u0000b', parentId: '…' }
 */
export class InputGenerator {
  // Hostile values are taken in turn, not at random, so a run tries every one of them.
  private readonly turns = new Map<string, number>()
  /** The resource of the procedure being generated for (`records` for `records.get`). */
  private resource = ''

  constructor(
    private readonly random: SeededRandom,
    private readonly pools: FuzzPools,
  ) {}

  generate(schema: JsonSchema | undefined, inputClass: InputClass, transport: Transport, path = ''): unknown {
    this.resource = path.split('.')[0] ?? ''
    const shape: Shape = { value: undefined, leaves: [], maps: [] }
    const value = schema ? this.valid(schema, [], shape, undefined) : undefined
    if (inputClass === 'valid') return value
    return this.attack({ ...shape, value }, inputClass, transport)
  }

  /** The input classes that can attack something in `schema` (no dates: no `edge-date`). */
  classesFor(schema: JsonSchema | undefined): InputClass[] {
    if (!schema) return ['valid', 'whole-input']
    const shape: Shape = { value: undefined, leaves: [], maps: [] }
    this.valid(schema, [], shape, undefined)
    const has = (kind: LeafKind) => shape.leaves.some((leaf) => leaf.kind === kind)
    const needs: Partial<Record<InputClass, LeafKind>> = {
      'forged-cursor': 'cursor',
      'edge-date': 'date',
      'edge-number': 'number',
      'unknown-uuid': 'uuid',
    }
    // A class that taints strings gets a call per place it can hit (up to 3).
    const tainting = new Set<InputClass>(['nul-byte', 'lone-surrogate', 'proto-key', 'sql-meta'])
    const places = Math.max(1, Math.min(3, taintPlaces(shape)))
    return INPUT_CLASSES.filter((inputClass) => {
      const kind = needs[inputClass]
      return kind === undefined || has(kind)
    }).flatMap((inputClass) => Array(tainting.has(inputClass) ? places : 1).fill(inputClass))
  }

  private likely(key: string | undefined): readonly string[] {
    if (key === undefined) return []
    const { byKey } = this.pools
    for (const name of [`${this.resource}.${key}`, key]) if (Object.hasOwn(byKey, name)) return byKey[name]!
    return []
  }

  private inTurn<T>(name: string, values: readonly T[]): T {
    const turn = this.turns.get(name) ?? this.random.int(0, values.length - 1)
    this.turns.set(name, turn + 1)
    return values[turn % values.length]!
  }

  // ---- valid-ish values -------------------------------------------------------------

  private valid(schema: JsonSchema, path: Path, shape: Shape, key: string | undefined): unknown {
    const { random } = this
    if (schema.const !== undefined) return schema.const
    if (schema.enum) return random.pick(schema.enum)
    if (schema.anyOf) {
      const branches = schema.anyOf.filter((branch) => branch.type !== 'null')
      if (branches.length < schema.anyOf.length && random.chance(0.15)) return null
      return this.valid(random.pick(branches.length ? branches : schema.anyOf), path, shape, key)
    }
    if (schema.allOf) {
      return Object.assign({}, ...schema.allOf.map((part) => this.valid(part, path, shape, key)))
    }
    switch (schema.type) {
      case 'object':
        return this.validObject(schema, path, shape, key)
      case 'array': {
        shape.leaves.push({ path, kind: 'array' })
        const min = schema.minItems ?? 0
        const count = random.int(min, Math.max(min, Math.min(schema.maxItems ?? 3, 3)))
        return Array.from({ length: count }, (_, index) =>
          schema.items ? this.valid(schema.items, [...path, index], shape, key) : 'x',
        )
      }
      case 'string':
        return this.validString(schema, path, shape, key)
      case 'integer':
      case 'number': {
        shape.leaves.push({ path, kind: 'number' })
        const min = schema.minimum ?? 0
        return random.int(min, Math.min(schema.maximum ?? min + 100, min + 100))
      }
      case 'boolean':
        shape.leaves.push({ path, kind: 'boolean' })
        return random.chance(0.5)
      case 'null':
        return null
      default:
        shape.leaves.push({ path, kind: 'other' })
        return random.pick(['x', 1, { a: 1 }, [1]])
    }
  }

  private validObject(schema: JsonSchema, path: Path, shape: Shape, key: string | undefined) {
    const { random } = this
    const object: Record<string, unknown> = {}
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      // Every property is walked, so an absent optional one can still be attacked.
      const value = this.valid(property, [...path, name], shape, name)
      if (schema.required?.includes(name) || random.chance(0.5)) object[name] = value
    }
    const free = schema.additionalProperties
    if (free && typeof free === 'object' && !schema.properties) {
      shape.maps.push(path)
      shape.leaves.push({ path, kind: 'other' })
      if (Object.keys(free).length === 0) {
        // Free JSON (record data, a JSON Schema): something that fits the world.
        return structuredClone(
          random.pick(this.pools.objects.filter((o) => (key === 'schema') === 'type' in o)),
        )
      }
      const count = random.int(0, 2)
      for (let index = 0; index < count; index++) {
        const name = String(
          this.validString(
            schema.propertyNames ?? { type: 'string' },
            [],
            { value: undefined, leaves: [], maps: [] },
            undefined,
          ),
        )
        object[name] = this.valid(free, [...path, name], shape, name)
      }
    }
    return object
  }

  private validString(schema: JsonSchema, path: Path, shape: Shape, key: string | undefined): string {
    const { random, pools } = this
    const min = schema.minLength ?? 0
    const max = schema.maxLength ?? 200
    const likely = this.likely(key)
    if (schema.format === 'uuid') {
      shape.leaves.push({ path, kind: 'uuid' })
      if (likely.length > 0 && random.chance(0.7)) return random.pick(likely)
      return random.chance(0.85) ? random.pick(pools.ids) : random.uuid()
    }
    if (schema.format === 'email') {
      shape.leaves.push({ path, kind: 'email' })
      return random.chance(0.6) ? random.pick(pools.emails) : `fuzz-${random.int(0, 1e6)}@example.com`
    }
    if (schema.format === 'date-time') {
      shape.leaves.push({ path, kind: 'date' })
      return new Date(Date.UTC(2020, 0, 1) + random.int(0, 4e8) * 1000).toISOString()
    }
    shape.leaves.push({ path, kind: key === 'cursor' ? 'cursor' : 'string' })
    if (key === 'cursor') {
      // A well-formed position: any (date, id) pair is a valid cursor.
      const t = new Date(Date.UTC(2020, 0, 1) + random.int(0, 4e8) * 1000).toISOString()
      return Buffer.from(JSON.stringify({ t, id: random.pick(pools.ids) })).toString('base64url')
    }
    const pattern = schema.pattern ? new RegExp(schema.pattern) : undefined
    const fits = (text: string) =>
      text.length >= min && text.length <= max && (!pattern || pattern.test(text))
    const fitting = likely.filter(fits)
    if (fitting.length > 0 && random.chance(0.75)) return random.pick(fitting)
    const known = pools.names.filter(fits)
    if (known.length > 0 && random.chance(0.8)) return random.pick(known)
    const made = `fuzz${random.int(0, 1e6)}`.padEnd(min, 'x').slice(0, max)
    return fits(made) ? made : (known[0] ?? made)
  }

  // ---- attacks ------------------------------------------------------------------------

  private attack(shape: Shape, inputClass: InputClass, transport: Transport): unknown {
    const { random } = this
    const big = transport === 'mutation'
    const of = (kinds: readonly LeafKind[]) => shape.leaves.filter((leaf) => kinds.includes(leaf.kind))
    const strings = of(STRING_KINDS)
    const anyLeaf = shape.leaves
    const replaceOne = (leaves: Leaf[], values: readonly unknown[] | (() => unknown)) => {
      const targets = leaves.length > 0 ? leaves : anyLeaf
      if (targets.length === 0) return this.wholeInput(big)
      const value = typeof values === 'function' ? values() : this.inTurn(inputClass, values)
      // Successive calls of a class on the same input hit its places in turn.
      return setAt(shape.value, this.inTurn(`${inputClass} at ${signature(targets)}`, targets).path, value)
    }
    const taint = (hostile: readonly string[]) => {
      // As a string value, or as a key of a free map (a grant, a transition, a data field).
      const places = [...strings.map((leaf) => leaf.path), ...shape.maps.map((map) => [...map, KEY])]
      if (places.length === 0) return this.wholeInput(big)
      const place = this.inTurn(`${inputClass} taint ${places.join('|')}`, places)
      const text = this.inTurn(inputClass, hostile)
      if (place.at(-1) === KEY) {
        return setAt(shape.value, [...place.slice(0, -1), text], random.pick(['x', true, 'ALL', 1]))
      }
      return setAt(shape.value, place, random.chance(0.5) ? text : `fuzz${text}name`)
    }
    switch (inputClass) {
      case 'valid':
        return shape.value
      case 'wrong-type':
        return replaceOne(anyLeaf, WRONG_TYPES)
      case 'huge-string': {
        const length = big ? random.pick([100_000, 600_000, 1_100_000]) : random.pick([300, 5_000])
        return replaceOne(strings, () => random.pick(['A', 'é', '%', '\u0000']).repeat(length))
      }
      case 'huge-array':
        return replaceOne(anyLeaf, () => Array(big ? random.pick([10_000, 100_000]) : 200).fill('a'))
      case 'deep-nesting':
        return replaceOne(anyLeaf, () =>
          deeplyNested(big ? random.pick([1_000, 20_000, 200_000]) : 300, random.pick(['array', 'object'])),
        )
      case 'nul-byte':
        return taint(NUL_AND_SURROGATES.nul)
      case 'lone-surrogate':
        return taint(NUL_AND_SURROGATES.surrogate)
      case 'proto-key':
        return random.chance(0.2)
          ? setAt(shape.value, [random.pick(['__proto__', 'constructor'])], { polluted: true })
          : taint(PROTO_NAMES)
      case 'sql-meta':
        return taint(SQL_AND_PATH)
      case 'forged-cursor':
        return replaceOne(
          of(['cursor']).length ? of(['cursor']) : strings,
          forgedCursors(random.pick(this.pools.ids)),
        )
      case 'edge-date':
        return replaceOne(of(['date']).length ? of(['date']) : strings, EDGE_DATES)
      case 'edge-number':
        return replaceOne(of(['number']).length ? of(['number']) : anyLeaf, EDGE_NUMBERS)
      case 'unknown-uuid':
        return replaceOne(of(['uuid']), unknownUuids(random, this.pools.ids))
      case 'whole-input':
        return this.wholeInput(big)
    }
  }

  private wholeInput(big: boolean): unknown {
    const { random } = this
    const many = Object.fromEntries(Array.from({ length: big ? 20_000 : 100 }, (_, i) => [`k${i}`, i]))
    return random.pick([
      null,
      'text',
      42,
      [],
      [1, 2, 3],
      true,
      many,
      JSON.parse('{"__proto__": {"admin": true}}'),
      deeplyNested(big ? 50_000 : 300, 'array'),
    ])
  }
}

// Marks a place that is a map's key rather than a value.
const KEY = '\u0002key'

function signature(leaves: readonly Leaf[]): string {
  return leaves.map((leaf) => leaf.path.join('.')).join('|')
}

/** How many places of an input a tainting class (NUL, `__proto__`, SQL...) can hit. */
export function taintPlaces(shape: { leaves: readonly Leaf[]; maps: readonly Path[] }): number {
  return shape.leaves.filter((leaf) => STRING_KINDS.includes(leaf.kind)).length + shape.maps.length
}

/** A copy of `value` with `path` set to `replacement`, creating what is missing on the way. */
function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement
  const root = value === undefined || value === null || typeof value !== 'object' ? {} : copy(value)
  let node = root as Record<string | number, unknown>
  for (const [index, key] of path.entries()) {
    if (index === path.length - 1) {
      // defineProperty: a plain assignment to `__proto__` would change the prototype instead.
      Object.defineProperty(node, key, {
        value: replacement,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    } else {
      if (node[key] === null || typeof node[key] !== 'object') node[key] = {}
      node = node[key] as Record<string, unknown>
    }
  }
  return root
}

// JSON round trip: keeps own `__proto__` keys as data, which structuredClone might not.
function copy(value: object): object {
  return JSON.parse(JSON.stringify(value))
}
