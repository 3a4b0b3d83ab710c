// A user's own sending settings, as an admin sets them on the users page (or `sekisho user set`):
// hold minutes (一時保留の時間) and confirmation on/off (送信確認). Kept in the users row
// (hold_minutes, confirm_off); the policy engine reads them with the sender (UserSendSettings in
// src/policy/evaluate.ts), so they override the tenant policy for that user's mail only.
import { MAX_HOLD_MINUTES } from '../policy/schema.ts';
import type { UserSendSettings } from '../policy/evaluate.ts';
import type { User } from '../store/store.ts';

export type { UserSendSettings };

/** The settings of a users row for the policy engine. */
export function sendSettingsOf(user: Pick<User, 'hold_minutes' | 'confirm_off'>): UserSendSettings {
  return { holdMinutes: user.hold_minutes == null ? null : Number(user.hold_minutes), confirm: Number(user.confirm_off) !== 1 };
}

/** Why these hold minutes cannot be a user's (the policy's own bounds: 1 to 72 hours), or null. */
export function holdMinutesProblem(minutes: number | null): string | null {
  if (minutes === null) return null;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_HOLD_MINUTES) {
    return `hold minutes must be a whole number between 1 and ${MAX_HOLD_MINUTES} (72 hours)`;
  }
  return null;
}
