// Test support: a NewMessage for the store with sensible defaults (queued, due now, one external
// recipient, a Japanese subject); each test overrides what it is about.
import type { NewMessage } from '../../src/store/store.ts';
import { newId } from '../../src/util/id.ts';

export function newMessage(tenantId: string, over: Partial<NewMessage> = {}): NewMessage {
  return {
    id: newId(),
    tenantId,
    direction: 'outbound',
    state: 'queued',
    dueAt: Date.now() - 1,
    mailFrom: 'a@acme.example',
    recipients: ['b@example.net'],
    headerFrom: 'a@acme.example',
    subject: '件名',
    messageId: 'x@y',
    size: 3,
    facts: {},
    plan: null,
    submittedBy: 'a@acme.example',
    body: Buffer.from('abc'),
    events: [{ actor: 'a@acme.example', type: 'accepted' }],
    ...over,
  };
}
