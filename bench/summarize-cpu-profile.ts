// Prints the functions with the most self time in a V8 CPU profile (`node --cpu-prof`),
// grouped by function and package, and the same grouped by package. Samples before
// FROM_SECONDS into the profile are left out, so a server's start-up does not count.
// Usage: tsx summarize-cpu-profile.ts FILE.cpuprofile [TOP=25] [FROM_SECONDS=0]
import { readFile } from 'node:fs/promises'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** `@trpc/server`, `undici`, `node:internal/…`: where a frame's code comes from. */
function packageOf(url: string): string {
  if (url === '') return '(native / V8)'
  const inModules = url.match(/node_modules\/(@[^/]+\/[^/]+|[^@/][^/]*)\//g)
  if (inModules) return inModules[inModules.length - 1]!.replace(/^node_modules\/|\/$/g, '')
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/')
  const ours = url.match(/\/(packages|apps)\/([^/]+)\//)
  return ours ? `trellis ${ours[1]}/${ours[2]}` : url
}

function table(totals: Map<string, number>, all: number, top: number): string {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => `${((100 * micros) / all).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n')
}

const [file, topArg, fromArg] = process.argv.slice(2)
if (!file) {
  process.stderr.write('usage: tsx summarize-cpu-profile.ts FILE.cpuprofile [TOP] [FROM_SECONDS]\n')
  process.exit(2)
}
const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const byFunction = new Map<string, number>()
const byPackage = new Map<string, number>()
const fromMicros = Number(fromArg ?? 0) * 1e6
let all = 0
let elapsed = 0
profile.samples.forEach((id, index) => {
  const frame = byId.get(id)!.callFrame
  const micros = profile.timeDeltas[index] ?? 0
  elapsed += micros
  if (elapsed < fromMicros || frame.functionName === '(idle)') return
  all += micros
  const name = `${frame.functionName || '(anonymous)'}  ${packageOf(frame.url)}`
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
  byPackage.set(packageOf(frame.url), (byPackage.get(packageOf(frame.url)) ?? 0) + micros)
})
const top = Number(topArg ?? 25)
console.log(`busy ${(all / 1e6).toFixed(2)} s (idle excluded)\n\nby package:\n${table(byPackage, all, 15)}`)
console.log(`\nby function (self time):\n${table(byFunction, all, top)}`)
