import type { DatabaseDialect, TrellisDatabase } from '@trellis/db'
import type { TransitionEffects } from '../effects/transition-effects.js'
import type { AuthConfig } from '../identity/auth-config.js'
import type { SessionCookie } from '../identity/session-cookie.js'
import type { Logger } from '../logger.js'
import type { CallReport } from './call-report.js'

/** What the host gives the API once, at start. */
export interface ApiDependencies {
  readonly db: TrellisDatabase
  readonly dialect: DatabaseDialect
  readonly logger: Logger
  readonly auth: AuthConfig
  /**
   * Code run with transitions (`defineTransitionEffects`): a preset's, then the host's.
   * Every registration's effect for a transition runs, in this order, in its transaction.
   */
  readonly effects?: readonly TransitionEffects[]
  /**
   * Told of every call once it ended, for the host's access log and metrics. It runs on
   * the call's path: it must be quick and must not throw.
   */
  readonly onCall?: (call: CallReport) => void
}

declare const opaque: unique symbol

/**
 * The dependencies as the router's *type* shows them: opaque. The router type reaches
 * clients through the SDK, and must not drag the database's types along.
 * Procedures get them typed again from the base procedure (see init.ts).
 */
export interface OpaqueDependencies {
  readonly [opaque]: 'ApiDependencies'
}

/** Facts about one request, as the host saw them. */
export interface RequestFacts {
  readonly requestId: string
  /** The caller's network address, for throttling and audit. */
  readonly clientAddress: string | undefined
  /** The request's `Authorization` header, resolved to a caller by the API. */
  readonly authorization?: string | undefined
  /**
   * An already authenticated caller, for hosts that call in process (tests, jobs):
   * skips the header. Never set it from anything a client sent.
   */
  readonly callerId?: string | null
  /** A browser's session cookie, when the host offers cookie sessions; `authorization` wins over it. */
  readonly sessionCookie?: SessionCookie
  /**
   * Why the host refuses this request's credentials (a session cookie sent without proof
   * that the request is no cross-site forgery): every call fails FORBIDDEN with this
   * message, and is audited like any other denial.
   */
  readonly refusal?: string
}

/** What a host passes for every call: the dependencies plus facts about this request. */
export interface Context extends RequestFacts {
  readonly dependencies: OpaqueDependencies
}

/** Builds a call's context; the one place dependencies are made opaque. */
export function createContext(dependencies: ApiDependencies, request: RequestFacts): Context {
  return { dependencies: dependencies as unknown as OpaqueDependencies, ...request }
}

/** The one place they are made typed again. */
export function dependenciesOf(context: Context): ApiDependencies {
  return context.dependencies as unknown as ApiDependencies
}
