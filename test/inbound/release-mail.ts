// Test mail for quarantine release classes: a disguised executable (請求書.pdf.exe), the EICAR
// test virus, and a policy that quarantines them instead of rejecting them (rejectAt out of reach).
import { crlf } from './shield-helpers.ts';

export const POLICY = `version: 1
inbound:
  spam: { tagAt: 4, quarantineAt: 8, rejectAt: 1000, tag: "[SPAM]" }
`;
export const ICHIRO = 'ichiro@acme.example';
export const JIRO = 'jiro@acme.example';
export const ADMIN = 'boss@acme.example';
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/** A mail carrying `請求書.pdf.exe` (a Windows program under an invoice's name). */
export function exeMail(subject = 'ご請求書の送付'): Buffer {
  const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('This program cannot be run in DOS mode.')]);
  return crlf(
    `From: 経理部 <billing@invoice.test>\nTo: ${ICHIRO}, ${JIRO}\nSubject: ` +
      `=?UTF-8?B?${Buffer.from(subject).toString('base64')}?=\nDate: Mon, 1 Jun 2026 10:00:00 +0900\nMessage-ID: ` +
      `<exe-${Math.random()}@invoice.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; ` +
      `boundary="b"\n\n--b\nContent-Type: text/plain; charset=UTF-8\n\nsee file\n--b\nContent-Type: ` +
      `application/octet-stream\nContent-Disposition: attachment; ` +
      `filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.pdf.exe\nContent-Transfer-Encoding: base64\n\n${exe.toString('base64')}\n--b--\n`,
  );
}

/** A mail carrying the EICAR anti-virus test file. */
export function virusMail(subject = 'document'): Buffer {
  return crlf(
    `From: a@virus.test\nTo: ${ICHIRO}\nSubject: ${subject}\nDate: Mon, 1 Jun 2026 10:00:00 +0900\nMessage-ID: ` +
      `<v-${Math.random()}@virus.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: ` +
      `text/plain\n\nsee file\n--b\nContent-Type: application/octet-stream; name="file.txt"\nContent-Disposition: attachment; ` +
      `filename="file.txt"\nContent-Transfer-Encoding: base64\n\n${Buffer.from(EICAR).toString('base64')}\n--b--\n`,
  );
}
