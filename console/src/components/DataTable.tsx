// The console's one table: columns with headers on wide screens; at phone width (styles.css,
// max-width 720px) each row becomes a card that names every value with its column's label.
// A row that opens something is a link-like row: focusable, opened by click or Enter.
import { Fragment, type KeyboardEvent, type ReactNode } from 'react';

export interface Column<R> {
  key: string;
  label: ReactNode;
  /** the label as text for the phone layout (defaults to label when it is a string) */
  shortLabel?: string;
  render: (row: R) => ReactNode;
  className?: string;
}

export interface DataTableProps<R> {
  columns: Array<Column<R> | false | null | undefined>;
  rows: readonly R[];
  rowKey: (row: R) => string;
  /** what the table lists, for screen readers */
  label: string;
  onOpen?: (row: R) => void;
  /** attributes of each row (data-id…) */
  rowAttrs?: (row: R) => Record<string, string>;
  /** a full-width row under a row (e.g. an opened preview) */
  expanded?: (row: R) => ReactNode;
  testId?: string;
}

export function DataTable<R>({ columns, rows, rowKey, label, onOpen, rowAttrs, expanded, testId }: DataTableProps<R>) {
  const cols = columns.filter((c): c is Column<R> => !!c);
  const onKey = (row: R) => (e: KeyboardEvent<HTMLTableRowElement>) => {
    if (e.key === 'Enter' && e.target === e.currentTarget) {
      e.preventDefault();
      onOpen?.(row);
    }
  };
  return (
    <table className="data-table" aria-label={label} data-testid={testId}>
      <thead>
        <tr>
          {cols.map((c) => (
            <th key={c.key} scope="col">
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const key = rowKey(row);
          const extra = expanded?.(row);
          return (
            <Fragment key={key}>
              <tr
                {...rowAttrs?.(row)}
                className={onOpen ? 'clickable' : undefined}
                tabIndex={onOpen ? 0 : undefined}
                onClick={onOpen ? () => onOpen(row) : undefined}
                onKeyDown={onOpen ? onKey(row) : undefined}
              >
                {cols.map((c) => (
                  <td key={c.key} className={c.className} data-label={c.shortLabel ?? (typeof c.label === 'string' ? c.label : '')}>
                    <div className="cell">{c.render(row)}</div>
                  </td>
                ))}
              </tr>
              {extra && (
                <tr className="expanded">
                  <td colSpan={cols.length}>{extra}</td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
