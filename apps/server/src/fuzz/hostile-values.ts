// Raw texts by index; a marker string stands for one inside a value until it is serialized.
const rawTexts: string[] = []
const rawIndex = new Map<string, number>()

/** Raw JSON text that `JSON.stringify` cannot produce (1e400, nesting deeper than our stack). */
export function rawJson(text: string): string {
  let index = rawIndex.get(text)
  if (index === undefined) {
    index = rawTexts.push(text) - 1
    rawIndex.set(text, index)
  }
  return `\u0001RAW${index}\u0001`
}

/** The wire text of an input: JSON, with every `rawJson` marker replaced by its text. */
export function serializeInput(input: unknown): string {
  return JSON.stringify(input).replace(
    /"\\u0001RAW(\d+)\\u0001"/g,
    (_, index: string) => rawTexts[Number(index)]!,
  )
}

/** What a generated call attacks; a failure is reported per procedure and class. */
export const INPUT_CLASSES = [
  'valid',
  'wrong-type',
  'huge-string',
  'huge-array',
  'deep-nesting',
  'nul-byte',
  'lone-surrogate',
  'proto-key',
  'sql-meta',
  'forged-cursor',
  'edge-date',
  'edge-number',
  'unknown-uuid',
  'whole-input',
] as const

export type InputClass = (typeof INPUT_CLASSES)[number]

export const WRONG_TYPES: readonly unknown[] = [
  42,
  -1,
  true,
  false,
  null,
  [],
  {},
  'text',
  ['a', 1],
  { a: { b: 1 } },
]

export const PROTO_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  'toLocaleString',
] as const

export const SQL_AND_PATH = [
  "'; drop table users; --",
  "' or '1'='1",
  '"; select pg_sleep(0); --',
  '../../../etc/passwd',
  '..\\..\\windows',
  '%',
  '_',
  '\\',
  '%_\\',
  'a%b_c\\',
  '$1',
  '$' + '{x}', // a template placeholder, literally
  '*',
  '/',
  '.',
  'a.b.c',
] as const

export const NUL_AND_SURROGATES = {
  nul: ['\u0000', 'a\u0000b', '\u0000\u0000'],
  surrogate: ['\uD800', 'a\uDC00b', '\uDBFF', '\uDFFFx\uD800'],
} as const

const encode = (text: string) => Buffer.from(text).toString('base64url')

/** Cursors the server never issued: garbage, wrong shapes, dates no database can hold, unstorable names. */
export function forgedCursors(uuid: string): string[] {
  const forge = (t: unknown, id: unknown = uuid) => encode(JSON.stringify({ t, id }))
  return [
    '!!!!',
    encode('{"t":'),
    forge('0000-01-01T00:00:00.000Z'),
    forge('9999-12-31T23:59:59.999Z'),
    forge('+275760-09-13T00:00:00.000Z'),
    forge(1e308),
    forge('2024-02-30T00:00:00.000Z', '00000000-0000-0000-0000-000000000000'),
    forge('2024-01-01T00:00:00.000Z', "'; drop table users; --"),
    forge('2024-01-01T00:00:00.000Z', '__proto__'),
    encode(JSON.stringify({ __proto__: { t: 1 }, t: '2024-01-01T00:00:00Z', id: uuid })),
    // Positions in the lists ordered by name: text PostgreSQL cannot compare, and no text.
    encode(JSON.stringify({ name: 'a\u0000b' })),
    encode(JSON.stringify({ name: 'x'.repeat(300) })), // within the cursor's 512 characters, over a name's 200
    encode(JSON.stringify({ name: 42 })),
  ]
}

/** Dates at and past the edges of what JavaScript and PostgreSQL can represent. */
export const EDGE_DATES = [
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59-23:59',
  '0000-01-01T00:00:00+23:59',
  '9999-12-31T23:59:59.999Z',
  '+275760-09-13T00:00:00.000Z',
  'not a date',
] as const

export const EDGE_NUMBERS: readonly unknown[] = [
  -1,
  0,
  -0,
  1.5,
  2 ** 31,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  rawJson('1e400'),
  rawJson('-1e400'),
  '50',
  null,
]

/** Uuids that name nothing, and near-misses of real ones. */
export function unknownUuids(random: { uuid(): string }, known: readonly string[]): string[] {
  const real = known[0] ?? '00000000-0000-4000-8000-000000000000'
  return [
    random.uuid(),
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    real.toUpperCase(),
    `${real.slice(0, -1)}0`,
    `{${real}}`,
    real.replace(/-/g, ''),
  ]
}

/** `[[[...]]]` or `{"a":{"a":...}}` nested `depth` times, as raw JSON text. */
export function deeplyNested(depth: number, shape: 'array' | 'object'): string {
  return shape === 'array'
    ? rawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`)
    : rawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)
}
