// One ServiceError for every refusal of a service: the API answers each code with its status and
// `{ error, code, ...detail }` (an admin-only release adds its class and the Japanese text, and
// answers the short reason as `error`); the status table holds what the former error classes
// answered (ActionError, QuarantineError, PeopleError, DownloadControlError, the console scope's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceError } from '../../src/util/service-error.ts';
import { errorBody, HttpError } from '../../src/console/api/route.ts';
import { adminOnlyRefusal } from '../../src/inbound/quarantine.ts';
import { adminOnlyMessage } from '../../src/inbound/release-class.ts';

test('each code is answered with the status the former error classes had', () => {
  const statusOf = (code: ConstructorParameters<typeof ServiceError>[0]) => errorBody(new ServiceError(code, 'x')).status;
  assert.deepEqual(
    ['not_found', 'forbidden', 'wrong_state', 'busy', 'bad_request', 'not_ticked', 'expired'].map((c) => statusOf(c as 'busy')),
    [404, 403, 409, 409, 400, 422, 410],
  );
  assert.deepEqual(
    ['no_such_user', 'no_such_record', 'conflict', 'own_role', 'needs_role', 'password_too_short'].map((c) => statusOf(c as 'busy')),
    [404, 404, 409, 409, 403, 400],
  );
});

test('the body carries the message and the code; HttpError keeps its own shape', () => {
  assert.deepEqual(errorBody(new ServiceError('wrong_state', 'message m1 is delivered, not held')), {
    status: 409,
    body: { error: 'message m1 is delivered, not held', code: 'wrong_state' },
  });
  assert.deepEqual(errorBody(new HttpError(400, 'bad date', { code: 'bad_date' })), {
    status: 400,
    body: { error: 'bad date', code: 'bad_date' },
  });
  assert.throws(() => errorBody(new Error('boom')), /boom/);
});

test('an admin-only refusal answers its class and the reason in both languages', () => {
  const err = adminOnlyRefusal('malware');
  assert.match(err.message, /^only an administrator can release this message\./);
  assert.deepEqual(errorBody(err), {
    status: 403,
    body: {
      error: adminOnlyMessage('malware', 'en'),
      code: 'admin_only',
      releaseClass: 'malware',
      errorJa: adminOnlyMessage('malware', 'ja'),
    },
  });
});
