// What the SMTP listeners hand a session to: the accept stage (src/accept/acceptor.ts implements
// MessageAcceptor) authenticates, decides which tenant a sender or recipient belongs to and stores
// the message durably before the listener answers 250. Declared here, beside the listeners, so the
// protocol layer names nothing above it.
import type { Arrival } from '../store/store.ts';
import type { Envelope } from '../mime/parse-facts.ts';

export interface AuthedUser {
  id: string;
  email: string;
  tenantId: string;
  role: string;
}

export interface ClientInfo {
  remoteAddress: string;
  clientHostname: string;
  helo: string;
  protocol: string;
  user: AuthedUser | null;
  trusted: boolean;
}

export interface MessageAcceptor {
  /** the user for these credentials, or null when they are wrong */
  authenticate(username: string, password: string): Promise<AuthedUser | null>;
  /** the tenant a submission from this client as `mailFrom` belongs to (throws SmtpError when refused) */
  submissionSenderTenant(client: ClientInfo, mailFrom: string): Promise<string>;
  /** the tenant an inbound recipient belongs to (throws SmtpError when not ours) */
  inboundRecipientTenant(rcpt: string): Promise<string>;
  /** marks a message on its way in, before its DATA (Store.expectMessage) */
  expectMessage(): Arrival;
  /** stores a submission; its id */
  acceptSubmission(client: ClientInfo, envelope: Envelope, raw: Buffer, tenantId: string, arrival?: Arrival): Promise<string>;
  /** stores an inbound message once per tenant of its recipients; their ids */
  acceptInbound(client: ClientInfo, envelope: Envelope, raw: Buffer, tenantOf: Map<string, string>, arrival?: Arrival): Promise<string[]>;
}
