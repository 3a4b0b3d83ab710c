// Kysely turns its query tree into SQL on every call, which cost about as much CPU as running the
// statement for the queries every message makes. A Prepared query is built once per dialect with
// marker values, and later runs with the real values put in the markers' places: the same SQL
// text, so the driver's statement cache (SQLite) and server-side plans (PostgreSQL) apply too.
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { DB } from './schema/schema.ts';

type Slot = number | { value: unknown };

export class Prepared<Args extends unknown[], Row> {
  private readonly compiled = new Map<string, { sql: string; slots: Slot[] } | null>();

  /** `build` receives one marker per argument and must use each as a value (never transform it). */
  constructor(
    private readonly arity: number,
    private readonly build: (db: Kysely<DB>, ...markers: Args) => Compilable<Row>,
  ) {}

  /** Runs on `db` (the store's Kysely or a transaction of it); `kind` names its dialect. */
  async execute(db: Kysely<DB>, kind: string, ...args: Args): Promise<QueryResult<Row>> {
    let plan = this.compiled.get(kind);
    if (plan === undefined) {
      plan = this.compile(db);
      this.compiled.set(kind, plan);
    }
    // A marker the builder changed (not a plain value) cannot be swapped: build it each time.
    if (plan === null) return db.executeQuery(this.build(db, ...args).compile());
    const parameters = plan.slots.map((s) => (typeof s === 'number' ? args[s] : s.value));
    return db.executeQuery(CompiledQuery.raw(plan.sql, parameters) as CompiledQuery<Row>);
  }

  async first(db: Kysely<DB>, kind: string, ...args: Args): Promise<Row | undefined> {
    return (await this.execute(db, kind, ...args)).rows[0];
  }

  private compile(db: Kysely<DB>): { sql: string; slots: Slot[] } | null {
    const markers = Array.from({ length: this.arity }, (_, i) => `\u0000sekisho-marker-${i}\u0000`);
    const query = this.build(db, ...(markers as Args)).compile();
    const slots: Slot[] = query.parameters.map((p) => {
      const i = markers.indexOf(p as string);
      return i >= 0 ? i : { value: p };
    });
    const used = new Set(slots.filter((s): s is number => typeof s === 'number'));
    return used.size === this.arity && !query.sql.includes('\u0000') ? { sql: query.sql, slots } : null;
  }
}

/** Queries whose shape varies with a key (the columns set, the rows inserted): one Prepared per key, made on first use. */
export function preparedPerShape<K, Row = unknown>(make: (key: K) => Prepared<unknown[], Row>): (key: K) => Prepared<unknown[], Row> {
  const forms = new Map<K, Prepared<unknown[], Row>>();
  return (key) => {
    let form = forms.get(key);
    if (!form) {
      form = make(key);
      forms.set(key, form);
    }
    return form;
  };
}
