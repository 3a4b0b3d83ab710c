// Text made safe to place in HTML element content and quoted attribute values: the five
// characters that could end either (& < > " ') become character references. One implementation
// for every page and notice Sekisho writes as HTML.

const REFERENCES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => REFERENCES[c]!);
}
