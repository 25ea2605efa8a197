import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

function render(markdown: string): HTMLElement {
  const host = document.createElement("div");
  host.innerHTML = renderMarkdown(markdown);
  return host;
}

describe("markdown sanitising", () => {
  it("shows <script> as text and never creates a script element", () => {
    const host = render("hello <script>window.pwned = 1</script> **bold**");
    expect(host.querySelector("script")).toBeNull();
    expect(host.textContent).toContain("<script>window.pwned = 1</script>");
    expect(host.querySelector("strong")?.textContent).toBe("bold");
  });

  it("keeps <img onerror> inert", () => {
    const host = render('<img src=x onerror="window.pwned=1">\n\ntext');
    expect(host.querySelector("img")).toBeNull();
    expect(host.querySelector("[onerror]")).toBeNull();
    expect(host.textContent).toContain("onerror");
  });

  it("drops javascript: links but keeps ordinary ones", () => {
    const host = render("[bad](javascript:alert(1)) [good](https://example.org/)");
    const hrefs = [...host.querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(hrefs.some((h) => h?.startsWith("javascript"))).toBe(false);
    expect(hrefs).toContain("https://example.org/");
  });

  it("renders tables and lists", () => {
    const host = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n- x\n- y");
    expect(host.querySelectorAll("td")).toHaveLength(2);
    expect(host.querySelectorAll("li")).toHaveLength(2);
  });
});
