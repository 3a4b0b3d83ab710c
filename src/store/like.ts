// Substring search in SQL that means the same on SQLite and PostgreSQL: the searched text's own
// %, _ and \ match literally (an explicit ESCAPE clause — SQLite has no default escape character,
// so without it a `_` in a search matched any character), and case is ignored on both (lower() on
// each side: PostgreSQL's LIKE is case-sensitive).
import { sql, type RawBuilder } from 'kysely';

/** `%text%` with the LIKE wildcards in `text` escaped by a backslash, lower-cased. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `lower(column) LIKE '%text%' ESCAPE '\'`: true where the column holds `text`, any case. */
export function columnContains(column: string, text: string): RawBuilder<boolean> {
  return sql<boolean>`lower(${sql.ref(column)}) like ${containsPattern(text)} escape '\\'`;
}
