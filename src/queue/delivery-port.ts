// What the queue worker needs from delivery: send one stored message to one destination and get
// a result per recipient. Implementations live in src/delivery/ (smart host, MX, inbound route).
export interface RecipientResult {
  recipient: string;
  status: 'delivered' | 'deferred' | 'failed';
  /** SMTP reply (or a local reason) for the audit trail and DSNs */
  response: string;
}

export interface DeliveryRequest {
  id: string;
  direction: 'outbound' | 'inbound';
  tenantId: string;
  mailFrom: string;
  recipients: string[];
  raw: Buffer | import('node:stream').Readable;
}

export interface DeliveryPort {
  deliver(req: DeliveryRequest): Promise<RecipientResult[]>;
  close(): Promise<void>;
}
