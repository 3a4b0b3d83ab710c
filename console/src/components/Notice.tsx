// A line that says how something went: role=status for success, role=alert for errors.
export function Notice({ ok, err }: { ok?: string; err?: string }) {
  if (err)
    return (
      <div className="msg err" role="alert">
        {err}
      </div>
    );
  if (ok)
    return (
      <div className="msg ok" role="status">
        {ok}
      </div>
    );
  return null;
}
