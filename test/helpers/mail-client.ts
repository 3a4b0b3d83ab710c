// SMTP clients of a gateway's submission port, for tests that start one in this process
// (instance.ts) or as a separate process: STARTTLS and AUTH as a user would, or plain and without
// AUTH from loopback, for a gateway whose `trustedNetworks` include 127.0.0.1.
import nodemailer from 'nodemailer';

export const USER = 'taro@acme.example';
export const PASSWORD = 'correct horse battery';

/** A mail client of the submission port on `port`: STARTTLS required (the test certificate unchecked), then AUTH. */
export function submissionClient(port: number, user = USER, pass = PASSWORD) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass },
  });
}

/**
 * A client of a submission port that trusts 127.0.0.1 (`trustedNetworks`): plain text, no AUTH;
 * a new connection per message, or with `connections` a pool of that many, each reused for every
 * message.
 */
export function loopbackClient(port: number, connections?: number) {
  const base = { host: '127.0.0.1', port, ignoreTLS: true };
  return connections
    ? nodemailer.createTransport({ ...base, pool: true, maxConnections: connections, maxMessages: Infinity })
    : nodemailer.createTransport(base);
}
