import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'

/**
 * Counts the SQL statements sent through a Kysely handle (`db.withPlugin(counter)`), raw
 * `sql` ones included, so the bench can show how much database work one call costs.
 *
 * @example
 * const counter = new QueryCounterPlugin()
 * const counted = db.withPlugin(counter)
 * await sql`select 1`.execute(counted) // counter.count === 1
 */
export class QueryCounterPlugin implements KyselyPlugin {
  count = 0

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}
