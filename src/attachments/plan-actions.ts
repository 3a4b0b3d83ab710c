// Reads the attachment treatment out of a message's plan (message.plan.outbound.plan.actions, the
// evaluated policy Plan the outbound area stores at accept time) and gives typed access to the
// attachments area's tables. The policy allows at most one treatment per message; the first wins.
// With `applyTo: external` the treatment is for the recipients outside the plan's internal domains.
import type { Kysely } from 'kysely';
import type { Message, Store } from '../store/store.ts';
import type { PlannedAction } from '../policy/evaluate.ts';
import { splitByApplyTo } from '../policy/conditions.ts';
import type { AttachmentTables } from './tables.ts';
import type { DB } from '../store/schema/schema.ts';

export type AttachmentsDb = Kysely<DB & AttachmentTables>;

export type ZipAction = Extract<PlannedAction, { type: 'zipEncrypt' }>;
export type DownloadAction = Extract<PlannedAction, { type: 'webDownload' }>;

export interface Treatment {
  action: ZipAction | DownloadAction;
  language: 'ja' | 'en' | 'both';
  /** the internal domains the plan was made with (empty for plans stored before they were kept) */
  internalDomains: string[];
}

export function attachmentTreatment(message: Pick<Message, 'plan' | 'direction'>): Treatment | null {
  if (message.direction !== 'outbound') return null;
  const plan = message.plan.outbound?.plan;
  const actions: PlannedAction[] = Array.isArray(plan?.actions) ? plan.actions : [];
  const action = actions.find((a): a is ZipAction | DownloadAction => a?.type === 'zipEncrypt' || a?.type === 'webDownload');
  if (!action) return null;
  const lang = plan?.language;
  const language = lang === 'ja' || lang === 'en' || lang === 'both' ? lang : 'both';
  const internal: unknown = plan?.internalDomains;
  const internalDomains = Array.isArray(internal) ? internal.filter((d): d is string => typeof d === 'string') : [];
  return { action, language: action.type === 'webDownload' ? (action.language ?? language) : language, internalDomains };
}

/** The recipients the treatment protects (`apply`) and those who keep the original attachments. */
export function protectedRecipients(t: Treatment, recipients: readonly string[]): { apply: string[]; keep: string[] } {
  return splitByApplyTo(t.action.applyTo, recipients, t.internalDomains);
}

export function attachmentsDb(store: Store): AttachmentsDb {
  return store.db.withTables<AttachmentTables>();
}
