// The one error a service throws when a request cannot be carried out (no such user, not in that
// state, not allowed, bad input): a `code` from SERVICE_ERROR_STATUS and an English message. The
// API answers it with the code's HTTP status and `{ error, code, ...detail }` (the console words
// known codes from its catalogue, error.<code>), the CLI prints the message as one line, and the
// token pages pick their text by code. Infrastructure failures (DNS, SMTP, configuration, blob
// storage) keep their own classes: they are not answers to a person's request.

/** Every code with the HTTP status the API answers it with. */
export const SERVICE_ERROR_STATUS = {
  bad_request: 400,
  no_such_approver: 400,
  password_too_short: 400,
  password_too_long: 400,
  invalid_time_zone: 400,
  invalid_display_name: 400,
  webhook_url: 400,
  webhook_no_events: 400,
  /** per-user hold minutes outside what a hold allows (users/send-settings.ts) */
  hold_minutes_range: 400,
  forbidden: 403,
  needs_role: 403,
  admin_only: 403,
  /** a message the caller may not see or that is gone (the console's words say "mail") */
  not_found: 404,
  no_such_user: 404,
  /** anything else that is not there: a tenant, a domain, a webhook, a user outside the scope */
  no_such_record: 404,
  wrong_state: 409,
  busy: 409,
  /** not now: the change would leave things inconsistent (a domain still in use, …) */
  conflict: 409,
  own_account: 409,
  own_role: 409,
  user_disabled: 409,
  user_is_approver: 409,
  expired: 410,
  /** a confirmation without every recipient and attachment ticked (outbound/confirmation.ts) */
  not_ticked: 422,
} as const;

export type ServiceErrorCode = keyof typeof SERVICE_ERROR_STATUS;

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    /** more fields of the API's answer (they may replace `error` with a shorter text) */
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }

  get status(): number {
    return SERVICE_ERROR_STATUS[this.code];
  }
}
