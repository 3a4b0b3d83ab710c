// An SMTP refusal with its reply code, enhanced status code and text (RFC 3463), in the shape
// smtp-server sends back to the client. Temporary errors are 4xx: the client will retry.
export class SmtpError extends Error {
  readonly responseCode: number;
  constructor(
    readonly code: number,
    readonly enhanced: string,
    text: string,
  ) {
    super(`${enhanced} ${text}`);
    this.responseCode = code;
  }
  get temporary(): boolean {
    return this.code >= 400 && this.code < 500;
  }
}
