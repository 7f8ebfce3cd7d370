// The party the scale dataset's records carry (load-parties.ts): a payee, counted for read.
export const PARTY_NAME = 'payee'
