/**
 * A reply's markdown-ish text as simple, safe HTML for the HTML part of our mail. Everything is escaped
 * first; only a handful of constructs (paragraphs, line breaks, "- " lists, **bold**, `code`, http(s)
 * links) are turned back into tags, so nothing the model or a customer wrote can become markup.
 */

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Inline markup on an already-escaped line. */
function inline(escaped: string): string {
  return (
    escaped
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      // [words](https://…): the URL was escaped with the rest, so it cannot close the attribute.
      .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2">$1</a>')
      .replace(/(^|[\s(])(https?:\/\/[^\s<)]+)/g, '$1<a href="$2">$2</a>')
  );
}

export function renderHtml(text: string): string {
  const blocks = text
    .replace(/\r\n?/g, "\n")
    .trim()
    .split(/\n{2,}/);
  const html = blocks.map((block) => {
    const lines = block.split("\n");
    if (lines.every((l) => /^\s*([-*•]|\d+[.)])\s+/.test(l))) {
      const ordered = /^\s*\d/.test(lines[0] ?? "");
      const items = lines.map(
        (l) => `<li>${inline(escapeHtml(l.replace(/^\s*([-*•]|\d+[.)])\s+/, "")))}</li>`,
      );
      return ordered ? `<ol>${items.join("")}</ol>` : `<ul>${items.join("")}</ul>`;
    }
    return `<p>${lines.map((l) => inline(escapeHtml(l))).join("<br>\n")}</p>`;
  });
  return `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>\n${html.join("\n")}\n</body></html>`;
}
