// Run at every start, after the migrations, under the migration lock: the key this node seals with
// is registered in the database (secret_keys); a node whose key file lacks the newest registered key
// refuses to start (a node of a cluster given a key file of its own would otherwise seal values no
// other node can open). Once per new key, every sealed column is sealed afresh with it: values
// older versions kept in clear, and values sealed with an older key after a rotation.
import { sql, type Kysely } from 'kysely';
import type { Store } from './store.ts';
import type { DB } from './schema/schema.ts';
import type { SecretBox, SecretPurpose } from '../secrets/secret-box.ts';

/** The database's secrets are sealed with a key this node's key file does not hold. */
export class SecretKeyMismatchError extends Error {}

interface SealedColumn {
  table: string;
  /** the row's key column (text) */
  id: string;
  column: string;
  purpose: SecretPurpose;
  /** only rows where this column has this value */
  only?: { column: string; value: string };
}

/** Every column that holds a sealed secret (docs/security.md lists them with their reasons). */
export const SEALED_COLUMNS: SealedColumn[] = [
  { table: 'attachment_protection', id: 'message_id', column: 'zip_password', purpose: 'zip-password' },
  { table: 'download_links', id: 'token_hash', column: 'token_sealed', purpose: 'download-token' },
  { table: 'console_totp', id: 'email', column: 'secret', purpose: 'totp-secret' },
  { table: 'dkim_keys', id: 'domain', column: 'private_key', purpose: 'dkim-private-key' },
  { table: 'webhooks', id: 'id', column: 'secret', purpose: 'webhook-secret' },
  {
    table: 'attachment_settings',
    id: 'key',
    column: 'value',
    purpose: 'download-session-secret',
    only: { column: 'key', value: 'download-session-secret' },
  },
];

interface SecretKeyTable {
  key_id: string;
  registered_at: number;
  resealed_at: number | null;
}

const BATCH = 500;

/** Registers this node's key and re-seals what needs it; returns how many values were sealed. */
export async function prepareSecrets(store: Store): Promise<number> {
  const box = store.secrets;
  return store.exclusively(async (db) => {
    const keys = db.withTables<{ secret_keys: SecretKeyTable }>();
    const registered = await keys.selectFrom('secret_keys').selectAll().orderBy('registered_at').orderBy('key_id').execute();
    const newest = registered.at(-1);
    if (newest && !box.keys.some((k) => k.id === newest.key_id)) {
      throw new SecretKeyMismatchError(
        `this database's secrets are sealed with secrets key ${newest.key_id}, which ${box.where} does not hold ` +
          `(it holds ${box.keys.map((k) => k.id).join(', ')}). Every node needs the same key file: copy it from a node ` +
          'that runs, or restore it from its backup (docs/security.md)',
      );
    }
    const mine = registered.find((r) => r.key_id === box.current.id);
    if (mine?.resealed_at) return 0;
    if (!mine) {
      await keys
        .insertInto('secret_keys')
        .values({ key_id: box.current.id, registered_at: Date.now(), resealed_at: null })
        .onConflict((oc) => oc.column('key_id').doNothing())
        .execute();
    }
    let sealed = 0;
    for (const column of SEALED_COLUMNS) sealed += await resealColumn(db, box, column);
    await keys.updateTable('secret_keys').set({ resealed_at: Date.now() }).where('key_id', '=', box.current.id).execute();
    return sealed;
  });
}

/** Seals with the current key every value of the column that is in clear or sealed with another key. */
async function resealColumn(db: Kysely<DB>, box: SecretBox, c: SealedColumn): Promise<number> {
  const [table, id, column] = [sql.table(c.table), sql.ref(c.id), sql.ref(c.column)];
  const only = c.only ? sql`AND ${sql.ref(c.only.column)} = ${c.only.value}` : sql``;
  let n = 0;
  for (let after = ''; ; ) {
    const { rows } = await sql<{ id: string; value: string }>`
      SELECT ${id} AS id, ${column} AS value FROM ${table}
      WHERE ${column} IS NOT NULL AND ${column} NOT LIKE ${`${box.currentPrefix}%`} AND ${id} > ${after} ${only}
      ORDER BY ${id} LIMIT ${BATCH}`.execute(db);
    if (rows.length === 0) return n;
    // one transaction per batch: on SQLite every transaction is a flush to disk
    await db.transaction().execute(async (trx) => {
      for (const r of rows) {
        const resealed = box.seal(c.purpose, box.open(c.purpose, r.value));
        // only if nobody changed it meanwhile (a value written now is sealed already)
        await sql`UPDATE ${table} SET ${column} = ${resealed} WHERE ${id} = ${r.id} AND ${column} = ${r.value}`.execute(trx);
      }
    });
    n += rows.length;
    after = rows.at(-1)!.id;
  }
}
