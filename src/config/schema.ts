// Every setting Sekisho reads, with its default and meaning. Each key has an environment twin
// (SEKISHO_ + upper snake case, e.g. submissionPort ↔ SEKISHO_SUBMISSION_PORT); environment
// variables win over the YAML config file, which wins over these defaults.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const list = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string()),
);
const bool = z.preprocess((v) => (typeof v === 'string' ? !/^(0|false|no|off)$/i.test(v) : v), z.boolean());

export const configSchema = z
  .object({
    /** local state: SQLite file, generated TLS key and certificate, blobs */
    dataDir: z.string().default('./data'),
    /** postgres://… to run on PostgreSQL (needed for several nodes); default: SQLite in dataDir */
    databaseUrl: z.string().optional(),
    /** the key that seals secrets in the database (created 0600 on first start); default
     *  <dataDir>/secretsKey. Every node of a cluster needs the same file (docs/security.md) */
    secretsKeyFile: z.string().optional(),
    /** address every listener binds */
    listenHost: z.string().default('127.0.0.1'),
    /** outbound: mail clients submit here (STARTTLS, then AUTH) */
    submissionPort: port.default(2587),
    /** inbound: the internet's MX traffic for tenant domains */
    inboundPort: port.default(2525),
    /** console, /api, download and confirmation pages, /healthz, /metrics */
    httpPort: port.default(8025),
    /** base of every link put into mail */
    publicUrl: z.string().url().default('http://localhost:8025'),
    /** outbound smart host smtp://[user:pass@]host:port or smtps://…; unset = deliver by MX lookup */
    relay: z.string().optional(),
    /** CIDRs that may submit without AUTH (Exchange / M365 connector); the sender domain picks the tenant */
    trustedNetworks: list.default([]),
    /** port direct MX delivery connects to: 25 on the internet; tests and labs point it at a sink */
    mxPort: port.default(25),
    /** ip:port list for MX/SPF/DKIM/DMARC look-ups; empty = the system resolver */
    dnsServers: list.default([]),
    /** inbound: Rspamd's normal worker, e.g. http://127.0.0.1:11333; unset = built-in scorer only */
    rspamdUrl: z.string().url().optional(),
    /** inbound: clamd for virus scanning, tcp://host:port or a unix socket path; unset = no ClamAV */
    clamd: z.string().optional(),
    /** inbound: an external detonation sandbox (docs/inbound.md "External sandbox"); unset = the
     *  built-in static analysis only. In YAML a mapping `sandbox:`; in the environment
     *  SEKISHO_SANDBOX_URL, SEKISHO_SANDBOX_TOKEN, SEKISHO_SANDBOX_KIND, … */
    sandbox: z
      .object({
        /** base URL: the generic protocol's root, or CAPE's web root (…/apiv2/ is appended) */
        url: z.string().url(),
        /** the API token (a secret: keep it in the environment or a 0600 config file; never logged) */
        token: z.string().min(1).optional(),
        /** `http` = Sekisho's generic JSON protocol; `cape` = CAPE sandbox REST API v2 */
        kind: z.enum(['http', 'cape']).default('http'),
        /** which mail goes to it: `suspicious` (flagged by score, authentication or risky
         *  attachments) or `all-with-attachments` */
        submit: z.enum(['suspicious', 'all-with-attachments']).default('suspicious'),
        /** wait at acceptance for the verdict before holding the message, ms */
        waitMs: z.coerce.number().int().min(0).default(5000),
        /** re-poll held messages this often, ms */
        repollMs: z.coerce.number().int().positive().default(60_000),
        /** quarantine (SANDBOX_TIMEOUT) when no verdict came this long after acceptance, ms */
        giveUpMs: z.coerce.number().int().positive().default(3_600_000),
        /** cape: a report score (0–10) at or above this is malicious */
        maliciousAt: z.coerce.number().min(0).max(10).default(6),
      })
      .strict()
      .optional(),
    /** inbound: seal mail Sekisho changed before delivery (subject tag, removed attachments) with
     *  ARC (RFC 8617), signed with the recipient tenant domain's DKIM key (sekisho dkim show), so
     *  the tenant's mail server can trust our authentication results; false = never seal */
    arcSeal: bool.default(true),
    /** name this node uses in SMTP greetings, Received headers and DSNs */
    hostname: z.string().default('sekisho.localhost'),
    /** PEM files for STARTTLS; unset = a self-signed pair generated into dataDir/tls */
    tlsCert: z.string().optional(),
    tlsKey: z.string().optional(),
    /** largest message accepted, bytes (SIZE extension); Postfix's default is 10 MB, gateways see bigger */
    maxMessageSize: z.coerce
      .number()
      .int()
      .positive()
      .default(50 * 1024 * 1024),
    /** recipients per message */
    maxRecipients: z.coerce.number().int().positive().default(1000),
    /** failed AUTH attempts from one IP within authFailWindowSeconds before it is refused for that window */
    authFailLimit: z.coerce.number().int().positive().default(5),
    authFailWindowSeconds: z.coerce.number().int().positive().max(86_400).default(600),
    /** send limits that contain a stolen account (docs/operation.md "Send and connection limits"):
     *  messages and recipients one authenticated user may submit per hour, and a whole tenant
     *  (every user and trusted network); over them a submission gets 451 4.7.1. 0 = no limit.
     *  A tenant's own values (`sekisho limits set`) override these */
    sendLimitUserMessagesPerHour: z.coerce.number().int().min(0).default(200),
    sendLimitUserRecipientsPerHour: z.coerce.number().int().min(0).default(1000),
    sendLimitTenantMessagesPerHour: z.coerce.number().int().min(0).default(5000),
    sendLimitTenantRecipientsPerHour: z.coerce.number().int().min(0).default(20000),
    /** open connections one client address (IPv6: its /64) may hold per port and process, and new
     *  connections it may open per minute; past them 421. Trusted networks are exempt. 0 = no limit.
     *  Submission's are higher: a whole office may share one NAT address */
    inboundConnectionsPerClient: z.coerce.number().int().min(0).default(20),
    inboundConnectionRatePerMinute: z.coerce.number().int().min(0).default(60),
    submissionConnectionsPerClient: z.coerce.number().int().min(0).default(100),
    submissionConnectionRatePerMinute: z.coerce.number().int().min(0).default(600),
    /** load balancers (CIDRs) whose PROXY header (SMTP) and X-Forwarded-For (HTTP) are believed;
     *  [] = none. docs/operation.md "Behind a load balancer" */
    trustedProxies: list.default([]),
    /** the inbound / submission listener expects a PROXY protocol v1 or v2 header from trustedProxies
     *  (and closes their connections without one); anyone else connects directly as before */
    inboundProxyProtocol: bool.default(false),
    submissionProxyProtocol: bool.default(false),
    /** networks (CIDRs) that may read /metrics without a token; [] = none */
    metricsAllow: list.default(['127.0.0.1/32', '::1/128']),
    /** a bearer token that lets any client read /metrics (Authorization: Bearer …); unset = networks only */
    metricsToken: z.string().min(16, 'must have at least 16 characters').optional(),
    /** wait before the greeting on the inbound (MX) port to catch early-talking spam bots, ms */
    inboundGreetDelayMs: z.coerce.number().int().min(0).default(100),
    /** hours a client that waited through that pause is greeted at once (Postfix's
     *  postscreen_greet_ttl, 1 day); 0 = pause before every greeting */
    inboundGreetPassHours: z.coerce
      .number()
      .min(0)
      .max(24 * 30)
      .default(24),
    /** processes `start` runs on this host, each with every role (SMTP, HTTP, queue workers),
     *  sharing the ports and the database; "auto" (the default: two processes relay 1.4–1.5× what
     *  one does on two cores, docs/scale-out.md) = one per CPU core, so a one-core machine keeps
     *  one. 1 = everything in one process */
    processes: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default('auto'),
    /** synthetic messages each process relays through a private, throwaway gateway before it opens
     *  its ports, so the first real ones run on optimized code (docs/delivery.md, "Cold start");
     *  0 = open the ports at once */
    warmUpMessages: z.coerce.number().int().min(0).max(100_000).default(1000),
    /** worker threads per process for MIME parsing of large mail and the inbound content analysis
     *  ("auto" = one per core, at least 2 and at most 4), so no message holds the event loop */
    analysisThreads: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default('auto'),
    /** bytes the attachment analysis may inflate from archives per inbound message (all attachments
     *  together); past it the rest is not unpacked and the message is quarantined (ATTACH_INSPECTION_INCOMPLETE) */
    analysisBudgetBytes: z.coerce
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /** milliseconds the attachment analysis may take per inbound message, with the same consequence */
    analysisBudgetMs: z.coerce.number().int().positive().default(5000),
    /** outbound DLP: bytes the attachment inspection may read and inflate per message (all attachments
     *  together) to find the text inside; past it the rest is not read and the fact
     *  inspectionIncomplete holds (docs/policy.md) */
    inspectionBudgetBytes: z.coerce
      .number()
      .int()
      .positive()
      .default(32 * 1024 * 1024),
    /** outbound DLP: milliseconds the attachment inspection may take per message, with the same consequence */
    inspectionBudgetMs: z.coerce.number().int().positive().default(5000),
    /** parallel deliveries per node */
    deliveryConcurrency: z.coerce.number().int().positive().default(20),
    /** how often a node looks for due work (holds, retries) when nothing woke it, ms */
    pollIntervalMs: z.coerce.number().int().positive().default(1000),
    /** a claimed message's lease, renewed every third of it while the node works on it; a dead
     *  node's messages are taken over by others this long after it died, seconds */
    leaseSeconds: z.coerce.number().positive().default(60),
    /** temporary-failure retry delays, e.g. "1m,5m,15m,30m,1h,2h" (the last repeats) */
    retrySchedule: z.string().default('1m,5m,15m,30m,1h,2h'),
    /** give up on temporary failures after this long and bounce, like Postfix's maximal_queue_lifetime */
    maxQueueLifetime: z.string().default('5d'),
    /** a resend of a message already accepted (same tenant, envelope and bytes, with a Message-ID)
     *  within this long is answered 250 and not queued again; 0 = off */
    duplicateWindow: z.string().default('1h'),
    /** tell the sender once that delivery is delayed after this long (0 = never) */
    delayWarningAfter: z.string().default('4h'),
    /** the demo tenant (demo.example, an admin and a user): "auto" = only on the first start of a
     *  database that never had a tenant, without a configuration file; true = whenever there is no
     *  tenant; false = never */
    demoTenant: z.union([z.literal('auto'), bool]).default('auto'),
    /** retention (APPI: keep personal data no longer than needed; docs/operation.md "Retention"):
     *  bodies and attachments of finished mail (delivered, bounced, discarded, deleted…) go after
     *  this many days; the message row stays and says its body was removed */
    retentionBodyDays: z.coerce.number().int().min(1).default(30),
    /** message rows and their recipients go after this many days */
    retentionMetadataDays: z.coerce.number().int().min(1).default(365),
    /** audit events go after this many days; never fewer than retentionMetadataDays */
    retentionAuditDays: z.coerce.number().int().min(1).default(1095),
    /** webhooks (docs/webhooks.md): the first retry's delay; each next one doubles (capped at 8 h) */
    webhookRetryBase: z.string().default('3m'),
    /** webhooks: attempts before a delivery is marked failed (10 at 3m doubling ≈ 21 h) */
    webhookMaxAttempts: z.coerce.number().int().min(1).max(50).default(10),
    /** webhooks: how often the sending node looks for due deliveries, ms */
    webhookPollMs: z.coerce.number().int().positive().default(5000),
    /** webhooks may POST to loopback and private addresses (10/8, 192.168/16, …); off: a tenant
     *  admin's webhook cannot reach the gateway's own network */
    webhookAllowPrivateTargets: bool.default(false),
    /** pino log level */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** node name in logs and queue leases (default: hostname + pid) */
    nodeName: z.string().optional(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

/** The retention days must nest: a body cannot outlive its message, nor a message its audit trail. */
export function retentionOrderProblem(days: { bodyDays: number; metadataDays: number; auditDays: number }): string | null {
  if (days.auditDays < days.metadataDays)
    return (
      `audit days (${days.auditDays}) must be at least metadata days (${days.metadataDays}): the audit trail ` +
      `outlives the messages it describes`
    );
  if (days.metadataDays < days.bodyDays)
    return `metadata days (${days.metadataDays}) must be at least body days (${days.bodyDays}): a body cannot outlive its message`;
  return null;
}
export type ConfigInput = z.input<typeof configSchema>;

/** SEKISHO_SUBMISSION_PORT → submissionPort */
export function envNameOf(key: string): string {
  return 'SEKISHO_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}
