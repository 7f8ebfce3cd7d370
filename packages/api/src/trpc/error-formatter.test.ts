import { type TRPCDefaultErrorShape, TRPCError } from '@trpc/server'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { TrellisError } from '../errors/trellis-error.js'
import { formatError } from './error-formatter.js'

const shapeOf = (error: TRPCError, httpStatus: number): TRPCDefaultErrorShape => ({
  message: error.message,
  code: -32600,
  data: { code: error.code, httpStatus, path: 'some.procedure', stack: 'Error: at secret/file.ts:1' },
})

describe('formatError', () => {
  it('turns zod issues into structured data and one readable message', () => {
    const parsed = z.object({ echo: z.string().min(1) }).safeParse({ echo: '' })
    const error = new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error })
    const formatted = formatError(shapeOf(error, 400), error)
    expect(formatted.message).toBe('Invalid input: echo: Too small: expected string to have >=1 characters')
    expect(formatted.data).toEqual({
      code: 'BAD_REQUEST',
      httpStatus: 400,
      path: 'some.procedure',
      reason: 'INVALID_INPUT',
      inputIssues: [
        { code: 'too_small', path: ['echo'], message: 'Too small: expected string to have >=1 characters' },
      ],
    })
  })

  it('hides an unexpected error behind a generic message and drops the stack', () => {
    const error = new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'connection to 10.0.0.5 refused',
    })
    const formatted = formatError(shapeOf(error, 500), error)
    expect(formatted.message).toBe('Internal server error')
    expect(JSON.stringify(formatted)).not.toMatch(/10\.0\.0\.5|secret\/file/)
  })

  it('keeps the message of an expected refusal', () => {
    const error = new TRPCError({ code: 'NOT_FOUND', message: 'User not found' })
    expect(formatError(shapeOf(error, 404), error).message).toBe('User not found')
  })

  it('sends the reason a refusal carries, and the one its code implies when it carries none', () => {
    const named = new TrellisError({
      code: 'CONFLICT',
      reason: 'NAME_TAKEN',
      message: 'A role named x already exists',
    })
    expect(formatError(shapeOf(named, 409), named).data.reason).toBe('NAME_TAKEN')
    const plain = new TRPCError({ code: 'FORBIDDEN', message: 'Permission required: roles.read' })
    expect(formatError(shapeOf(plain, 403), plain).data.reason).toBe('PERMISSION_REQUIRED')
    const unexpected = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'boom' })
    expect(formatError(shapeOf(unexpected, 500), unexpected).data.reason).toBe('INTERNAL')
  })
})
