import { defineTransitionEffects, type TransitionEffectContext } from '../../effects/transition-effects.js'
import { addAmounts } from './orb-amounts.js'
import { orbEntityTypes } from './orb-entity-types.js'

type Side = 'payer' | 'merchant'

/**
 * Moves a charge's amount from one side's balance of its currency to the other's. The
 * payer owns the charge; the merchant is its `merchant` party (the owner of the shop it
 * names, taken when the shop was set), the same user whose party lets it execute and
 * reverse. Both balances are locked in one statement, in id order, so racing charges of one
 * payer apply one after the other, and transfers in opposite directions cannot deadlock.
 */
async function moveAmount(context: TransitionEffectContext, from: Side, to: Side): Promise<void> {
  const { record, records } = context
  const amount = record.data.amount as number
  const currency = record.data.currency as string
  if (typeof record.data.shopId !== 'string') {
    context.refuse('The charge names no shop, so there is no merchant to pay')
  }
  // Deleting the merchant's user deletes its party row: nobody left to pay or pay back.
  const merchant = (await context.parties()).find((party) => party.name === 'merchant')
  if (!merchant) context.refuse('The charge has no merchant')
  const owners: Record<Side, string> = { payer: record.ownerId, merchant: merchant.userId }
  const balances = await records.find(
    'balances',
    { ownerId: [owners.payer, owners.merchant], data: { currency } },
    { lock: true },
  )
  const balanceOf = (side: Side) => {
    const held = balances.filter((balance) => balance.ownerId === owners[side])
    if (held.length === 0) context.refuse(`The ${side} has no ${currency} balance`)
    if (held.length > 1) context.refuse(`The ${side} has more than one ${currency} balance`)
    return held[0]!
  }
  const source = balanceOf(from)
  const target = balanceOf(to)
  const available = source.data.amount as number
  if (available < amount) {
    context.refuse(
      `Insufficient funds: the ${from}'s ${currency} balance does not cover ${amount} ${currency}`,
    )
  }
  // A consumer paying its own shop: one balance, nothing moves.
  if (source.id === target.id) return
  await records.update(source.id, { ...source.data, amount: addAmounts(available, -amount) })
  await records.update(target.id, {
    ...target.data,
    amount: addAmounts(target.data.amount as number, amount),
  })
}

/** Orb's economy: executing a charge pays the merchant, reversing it pays the payer back. */
export const orbEffects = defineTransitionEffects(orbEntityTypes, {
  charges: {
    execute: (context) => moveAmount(context, 'payer', 'merchant'),
    reverse: (context) => moveAmount(context, 'merchant', 'payer'),
  },
})
