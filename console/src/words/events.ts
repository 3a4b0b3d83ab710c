// An audit event of a message's timeline in words: the one implementation lives in
// src/audit/event-words.ts (the server's audit CSV uses it too, so file and screen agree).
export { actorLabel, eventFacts, eventLabel, eventSentence } from '../../../src/audit/event-words.ts';
