// Structured JSON logs (pino) to stdout, one object per line. Secrets never reach a log line:
// passwords are never passed to it, and the redact list catches the field names that could.
import { pino, type Logger } from 'pino';

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { svc: 'sekisho', pid: process.pid }, // with `processes` > 1, which process said it
      redact: { paths: ['password', '*.password', 'pass', '*.pass', 'auth.password', 'privateKey', '*.privateKey'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as never,
  );
}
