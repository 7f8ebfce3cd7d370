import { defineTransitionEffects, type TransitionEffectContext } from '../../effects/transition-effects.js'
import { addAmounts } from './orb-amounts.js'
import { orbEntityTypes } from './orb-entity-types.js'

type Side = 'payer' | 'merchant'

/**
 * Moves a charge's amount from one side's balance of its currency to the other's. The
 * payer owns the charge; the merchant owns the shop the charge names. Both balances are
 * locked in one statement, in id order, so racing charges of one payer apply one after the
 * other, and transfers in opposite directions cannot deadlock.
 */
async function moveAmount(context: TransitionEffectContext, from: Side, to: Side): Promise<void> {
  const { record, records } = context
  const amount = record.data.amount as number
  const currency = record.data.currency as string
  const shopId = record.data.shopId
  if (typeof shopId !== 'string') context.refuse('The charge names no shop, so there is no merchant to pay')
  const shop = await records.get('shops', shopId)
  if (!shop) context.refuse("The charge's shop no longer exists")
  const owners: Record<Side, string> = { payer: record.ownerId, merchant: shop.ownerId }
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
