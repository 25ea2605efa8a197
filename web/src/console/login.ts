/** The login form: account, username, password → a browser session. */
import { el, labelled } from "../common/dom";
import { ApiFailure, type ConsoleApi, type Session } from "./api";

export function loginView(api: ConsoleApi, onLoggedIn: (s: Session) => void): HTMLElement {
  const account = el("input", { type: "text", name: "account", autocomplete: "organization", required: true });
  const username = el("input", { type: "text", name: "username", autocomplete: "username", required: true });
  const password = el("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const error = el("p", { class: "form-error", role: "alert" });
  const submit = el("button", { type: "submit", class: "primary" }, "Log in");
  const form = el(
    "form",
    {
      class: "login-form",
      "aria-labelledby": "login-title",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        error.textContent = "";
        submit.disabled = true;
        try {
          onLoggedIn(await api.login(account.value.trim(), username.value.trim(), password.value));
        } catch (err) {
          error.textContent =
            err instanceof ApiFailure && err.httpStatus === 401
              ? `Wrong account, user name or password.${err.code ? ` (${err.code})` : ""}`
              : `Could not log in: ${err instanceof Error ? err.message : String(err)}`;
          password.select();
        } finally {
          submit.disabled = false;
        }
      },
    },
    el("h1", { id: "login-title" }, "vizjobs console"),
    el("p", { class: "muted" }, "Log in to manage your project's visualization jobs."),
    labelled("Account", account),
    labelled("User name", username),
    labelled("Password", password),
    error,
    submit,
  );
  queueMicrotask(() => account.focus());
  return el("main", { class: "login-page" }, form);
}
