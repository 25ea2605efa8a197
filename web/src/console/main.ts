/** The console page: the login form, then the project's jobs. */
import "../common/base.css";
import "./console.css";
import { el } from "../common/dom";
import { applyTheme } from "../common/theme";
import { ConsoleApi, type Session } from "./api";
import { JobsView } from "./jobs";
import { returnPath } from "./list-url";
import { loginView } from "./login";

class ConsoleApp {
  private readonly api = new ConsoleApi();
  private jobs: JobsView | null = null;

  constructor(private readonly host: HTMLElement) {
    window.addEventListener("vizjobs:logged-out", () => this.showLogin());
  }

  async start(): Promise<void> {
    try {
      const session = await this.api.restore();
      if (session) this.enter(session);
      else this.showLogin();
    } catch (e) {
      this.host.replaceChildren(
        el("main", { class: "login-page" }, el("p", { class: "banner error" }, `Could not reach the server: ${e instanceof Error ? e.message : String(e)}`)),
      );
    }
  }

  private showLogin(): void {
    this.jobs?.destroy();
    this.jobs = null;
    this.host.replaceChildren(loginView(this.api, (s) => this.enter(s)));
  }

  /** After login: back to the dashboard the visitor opened logged out, else the jobs. */
  private enter(session: Session): void {
    const next = returnPath(window.location.search);
    if (next) window.location.replace(next);
    else this.showJobs(session);
  }

  private showJobs(session: Session): void {
    this.jobs?.destroy();
    this.jobs = new JobsView(this.api);
    this.host.replaceChildren(
      el(
        "header",
        { class: "console-top" },
        el("h1", {}, "vizjobs console"),
        el("span", { class: "muted" }, `Project ${session.project_id}`),
        el(
          "span",
          { class: "user" },
          el("span", {}, session.username),
          el("button", { type: "button", class: "small", onclick: () => void this.api.logout().finally(() => this.showLogin()) }, "Log out"),
        ),
      ),
      this.jobs.root,
    );
    this.jobs.start();
  }
}

applyTheme();
const host = document.getElementById("app");
if (host) void new ConsoleApp(host).start();
