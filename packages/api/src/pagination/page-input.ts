import { z } from 'zod'
import { text } from '../inputs/text.js'

/** The page part of every list's input: where to go on from, and how many items. */
export const PageInput = {
  cursor: text().max(512).optional(),
  limit: z.number().int().min(1).max(200).default(50),
}

/** The input of a list that takes nothing but a page; no input at all is the first page. */
export const PageOnlyInput = z.object(PageInput).prefault({})

/** Asks a list for the number of items across all its pages (`page.total`), counted up to a cap. */
export const TotalInput = {
  withTotal: z.boolean().optional(),
}
