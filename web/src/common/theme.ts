/**
 * The colour scheme of both pages: the visitor's choice (light, dark, or the system's), kept in
 * the browser, applied as `data-theme="light|dark"` on the root element (base.css holds both
 * palettes). The system choice follows the OS setting as it changes.
 */
export type ThemeChoice = "system" | "light" | "dark";

const KEY = "vizjobs.theme";
const darkQuery = () => window.matchMedia?.("(prefers-color-scheme: dark)");

export function themeChoice(): ThemeChoice {
  const saved = safeGet(KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

export function resolvedTheme(choice: ThemeChoice = themeChoice()): "light" | "dark" {
  if (choice !== "system") return choice;
  return darkQuery()?.matches ? "dark" : "light";
}

/** Applies the saved choice now and whenever the OS setting changes; `onChange` after either. */
export function applyTheme(onChange?: () => void): void {
  document.documentElement.dataset.theme = resolvedTheme();
  darkQuery()?.addEventListener?.("change", () => {
    if (themeChoice() !== "system") return;
    document.documentElement.dataset.theme = resolvedTheme();
    onChange?.();
  });
}

export function setThemeChoice(choice: ThemeChoice): void {
  safeSet(KEY, choice === "system" ? null : choice);
  document.documentElement.dataset.theme = resolvedTheme(choice);
}

/** localStorage, which a browser may refuse (private modes, storage disabled). */
export function safeGet(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function safeSet(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    // Not kept: the setting still applies to this page.
  }
}
