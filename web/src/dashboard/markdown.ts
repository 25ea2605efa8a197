/**
 * Text summaries are markdown written by training code. Raw HTML inside them is shown as the
 * literal text it is (as TensorBoard does), never interpreted; the HTML that `marked` produces
 * is then sanitised with DOMPurify as a second wall, so no script in a summary ever runs (no
 * `<script>`, no event-handler attributes, no `javascript:` URLs).
 */
import DOMPurify from "dompurify";
import { Marked } from "marked";

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const parser = new Marked({
  gfm: true,
  async: false,
  renderer: {
    // Block and inline raw HTML both arrive here: show it, do not interpret it.
    html({ text, block }) {
      const escaped = escapeHtml(text);
      return block ? `<p>${escaped}</p>` : escaped;
    },
  },
});

/** Markdown → HTML that is safe to assign to `innerHTML`. */
export function renderMarkdown(markdown: string): string {
  const html = parser.parse(markdown, { async: false }) as string;
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "form", "input", "button", "iframe", "object", "embed"],
    FORBID_ATTR: ["style"],
  });
}
