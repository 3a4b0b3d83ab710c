// The attachments feature module (attachment protection, issue 5): prepareDelivery runs after the
// outbound rewrites and before DKIM and applies the policy's zipEncrypt or webDownload action
// (with applyTo: external, to the external recipients' copy only; internal ones get the original);
// registerHttp serves the download pages; a periodic sweep queues ZIP password mails once their
// ZIP mail is delivered and purges expired download files (both safe on many nodes).
import type { ModuleFactory, PreparedCopy } from '../pipeline/pipeline.ts';
import { blobStoreFor } from '../blob/blob-store-for.ts';
import { attachmentTreatment, protectedRecipients } from './plan-actions.ts';
import { prepareZip } from './zip-prepare.ts';
import { prepareDownload } from './download-prepare.ts';
import { sendDuePasswordMails } from './password-mail.ts';
import { purgeExpired } from './control.ts';
import { registerDownloadRoutes } from './download-routes.ts';

export const attachmentsModule: ModuleFactory = (ctx) => {
  const { config, store, logger } = ctx;
  const blobs = blobStoreFor(config, store);
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      if ((await sendDuePasswordMails(store, config.hostname, logger)) > 0) ctx.wake();
      await purgeExpired(store, blobs);
    } catch (err) {
      logger.error({ err }, 'attachments sweep failed; retrying at the next tick');
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), Math.min(Math.max(config.pollIntervalMs, 100), 5000));
  timer.unref();

  return {
    name: 'attachments',
    async prepareDelivery(message, raw, recipients): Promise<PreparedCopy[] | null> {
      const treatment = attachmentTreatment(message);
      if (!treatment) return null;
      // applyTo: external — internal recipients get one copy with the original attachments.
      const { apply, keep } = protectedRecipients(treatment, recipients);
      if (apply.length === 0) return null;
      const { action, language } = treatment;
      const copies =
        action.type === 'zipEncrypt'
          ? await prepareZip(store, message, raw, apply, action, language)
          : await prepareDownload({ store, blobs, publicUrl: config.publicUrl }, message, raw, apply, action, language);
      if (!copies) return null;
      return keep.length > 0 ? [{ recipients: keep, raw }, ...copies] : copies;
    },
    registerHttp(app) {
      return registerDownloadRoutes(app, { store, blobs, publicUrl: config.publicUrl, hostname: config.hostname, logger, wake: ctx.wake });
    },
    async stop() {
      clearInterval(timer);
      while (sweeping) await new Promise((r) => setTimeout(r, 10));
    },
  };
};
