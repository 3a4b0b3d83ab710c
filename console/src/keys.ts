// React keys for lists of text lines that may repeat: the text, numbered from its second
// occurrence on, so a key stays with its line when lines before it change.
export function keyedLines(lines: readonly string[]): Array<{ key: string; line: string }> {
  const seen = new Map<string, number>();
  return lines.map((line) => {
    const n = seen.get(line) ?? 0;
    seen.set(line, n + 1);
    return { key: n === 0 ? line : `${line}#${n}`, line };
  });
}
