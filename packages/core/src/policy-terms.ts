/** The periods a policy's quota counts calls over (fixed UTC windows; a week starts on Monday). */
export const POLICY_QUOTA_PERIODS = ['day', 'week', 'month'] as const
export type PolicyQuotaPeriod = (typeof POLICY_QUOTA_PERIODS)[number]

/** The terms data read through a policy is given under, returned with the data. */
export interface PolicyLegalContext {
  readonly attribution?: string
  readonly licence?: string
  readonly contact?: string
  readonly notes?: readonly { readonly text: string; readonly link?: string }[]
}
