// The inbound delivery rewrite: the policy's attachment removals (a notice part in place of
// each) and subject tags ([SPAM]), applied just before delivery. Mail released from quarantine
// goes out verbatim — the admin or recipient looked at it and chose to have it as it is.
import type { DeliveryPreparer } from '../pipeline/pipeline.ts';
import { rewriteHeadersInTurns } from '../mime/rewrite/header-block.ts';
import { subjectTagEdit } from '../mime/rewrite/subject-tag.ts';
import { stripAttachments } from './strip-attachments.ts';
import { inboundStateOf } from './quarantine.ts';

export const prepareInbound: DeliveryPreparer = async (message, raw, recipients) => {
  if (message.direction !== 'inbound') return null;
  const state = inboundStateOf(message);
  if (!state || state.released) return null;
  let out = raw;
  const strip = state.policy?.strip ?? [];
  if (strip.length > 0)
    out = (
      await stripAttachments(
        out,
        strip.map((s) => s.filename),
      )
    ).raw;
  // The tag goes in verbatim in front; the separating space is ours to give.
  for (const t of state.policy?.subjectTags ?? [])
    out = await rewriteHeadersInTurns(out, subjectTagEdit(/\s$/.test(t.tag) ? t.tag : `${t.tag} `));
  return out === raw ? null : [{ recipients, raw: out }];
};
