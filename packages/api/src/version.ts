/** The Trellis release this API belongs to; reported by `system.info`. */
export const TRELLIS_VERSION = '0.1.0'
