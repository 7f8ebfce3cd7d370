import { text } from '../inputs/text.js'
import { weakPassword } from './identity-errors.js'

export const MIN_PASSWORD_LENGTH = 12

// The most used passwords of 12+ characters in public breach lists; a short list keeps
// the obvious out without shipping a dictionary.
const COMMON_PASSWORDS = new Set([
  '123456789012',
  '1234567890123',
  '12345678910',
  'qwertyuiopas',
  'qwerty123456',
  '123456qwerty',
  'password1234',
  'password12345',
  'password123!',
  'passwordpassword',
  'iloveyou1234',
  'administrator',
  'adminadmin123',
  'letmein12345',
  'welcome12345',
  'changeme1234',
  'trustno1trustno1',
  'abcdefghijkl',
  'abc123abc123',
  '111111111111',
  '000000000000',
  'aaaaaaaaaaaa',
  'correcthorsebatterystaple',
])

/** The password field of every input: its length; `assertPasswordAllowed` does the rest. */
export const PasswordInput = text().min(MIN_PASSWORD_LENGTH).max(256)

/** Refuses a password that is on the common list (case-insensitive), with BAD_REQUEST. */
export function assertPasswordAllowed(password: string): void {
  if (COMMON_PASSWORDS.has(password.toLowerCase())) throw weakPassword()
}
