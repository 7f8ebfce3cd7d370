import type {
  CompiledQuery,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'
import { PostgresQueryCompiler } from 'kysely'

/**
 * Keeps the statements sent through a Kysely handle (`db.withPlugin(capture)`) between
 * `start()` and `stop()`, compiled as PostgreSQL receives them, so a bench can replay the
 * exact statement an API call built.
 *
 * @example
 * capture.start(); await caller.records.list({ … }); const statements = capture.stop()
 */
export class StatementCapture implements KyselyPlugin {
  #statements: CompiledQuery[] | undefined
  readonly #compiler = new PostgresQueryCompiler()

  start(): void {
    this.#statements = []
  }

  stop(): CompiledQuery[] {
    const statements = this.#statements ?? []
    this.#statements = undefined
    return statements
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#statements?.push(this.#compiler.compileQuery(args.node, args.queryId))
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}
