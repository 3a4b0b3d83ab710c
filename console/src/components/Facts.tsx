// Label / value pairs (a message's facts, a card's settings): a definition list that stacks on
// phones.
import type { ReactNode } from 'react';

export function Facts({ items, testId }: { items: Array<[string, ReactNode] | false | null>; testId?: string }) {
  return (
    <dl className="facts" data-testid={testId}>
      {items
        .filter((x): x is [string, ReactNode] => !!x)
        .map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
    </dl>
  );
}
