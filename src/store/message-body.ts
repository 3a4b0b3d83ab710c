// A message's body in the database, in parts of at most 1 MiB: the first in `bodies` (with the
// count), the rest in `body_parts`, each written and read in its own turn of the event loop. One
// statement of a 50 MB body held the loop for ~100 ms (SQLite copies it synchronously); a part
// costs ~2 ms, and the connection's other users simply wait their turn. Reads give back the bytes
// written, whole.
import type { Kysely } from 'kysely';
import type { DB } from './schema/schema.ts';
import { Prepared } from './prepared.ts';
import { concatInTurns, nextTurn } from '../util/in-slices.ts';

export const BODY_PART_BYTES = 1024 * 1024;

const Q = {
  insertFirst: new Prepared(3, (db, id: string, data: Buffer, parts: number) =>
    db.insertInto('bodies').values({ message_id: id, data, parts }),
  ),
  insertPart: new Prepared(3, (db, id: string, seq: number, data: Buffer) =>
    db.insertInto('body_parts').values({ message_id: id, seq, data }),
  ),
  first: new Prepared(1, (db, id: string) => db.selectFrom('bodies').select(['data', 'parts']).where('message_id', '=', id)),
  part: new Prepared(2, (db, id: string, seq: number) =>
    db.selectFrom('body_parts').select('data').where('message_id', '=', id).where('seq', '=', seq),
  ),
};

/** Writes the body of a new message (inside its transaction). */
export async function insertBody(trx: Kysely<DB>, kind: string, id: string, body: Buffer): Promise<void> {
  const parts = Math.max(1, Math.ceil(body.length / BODY_PART_BYTES));
  await Q.insertFirst.execute(trx, kind, id, body.subarray(0, BODY_PART_BYTES), parts);
  for (let seq = 1; seq < parts; seq++) {
    await nextTurn();
    await Q.insertPart.execute(trx, kind, id, seq, body.subarray(seq * BODY_PART_BYTES, (seq + 1) * BODY_PART_BYTES));
  }
}

/** The body, whole; undefined if the message has none. */
export async function readBody(db: Kysely<DB>, kind: string, id: string): Promise<Buffer | undefined> {
  const first = await Q.first.first(db, kind, id);
  if (!first || Number(first.parts) <= 1) return first?.data;
  const parts: Buffer[] = [first.data];
  for (let seq = 1; seq < Number(first.parts); seq++) {
    await nextTurn();
    const part = await Q.part.first(db, kind, id, seq);
    if (!part) throw new Error(`body of message ${id}: part ${seq} of ${first.parts} is missing`);
    parts.push(part.data);
  }
  return concatInTurns(parts);
}

/** Empties the bodies of these messages (their rows stay, zero bytes in one part). */
export async function emptyBodies(trx: Kysely<DB>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.deleteFrom('body_parts').where('message_id', 'in', ids).execute();
  await trx
    .updateTable('bodies')
    .set({ data: Buffer.alloc(0), parts: 1 })
    .where('message_id', 'in', ids)
    .execute();
}

/** Deletes the bodies of these messages, every part. */
export async function deleteBodies(trx: Kysely<DB>, ids: string[]): Promise<void> {
  await trx.deleteFrom('body_parts').where('message_id', 'in', ids).execute();
  await trx.deleteFrom('bodies').where('message_id', 'in', ids).execute();
}
