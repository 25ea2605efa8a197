/**
 * The jobs view: toolbar (search, status filter, page size, new job), the jobs table with
 * sortable columns, paging, per-job actions (stop and delete with confirmation, restart), the
 * list's state kept in the address (list-url.ts), and a
 * poll that keeps statuses fresh (faster while a job is between states, paused while the tab
 * is hidden).
 */
import { el, labelled } from "../common/dom";
import { formatDateTime, formatDuration, jobTypeLabel } from "../common/format";
import { ApiFailure, type ConsoleApi, type Job, type ListQuery, type SortKey } from "./api";
import { createJobForm } from "./create-form";
import { canDelete, canRestart, canStop, humanStatus, isTransient, RUNNING, statusName, statusTone } from "./status";
import { PAGE_SIZES, queryFromSearch, searchOf, STATUS_FILTERS, statusFilterOf } from "./list-url";
import { MAX_SEARCH_CHARS } from "./validate";

const POLL_MS = 5000;
const FAST_POLL_MS = 1500;

const COLUMNS: { key: SortKey | null; label: string }[] = [
  { key: "job_id", label: "ID" },
  { key: "job_name", label: "Name" },
  // The API cannot sort by type, so the column has no sort button.
  { key: null, label: "Type" },
  { key: null, label: "Log folder" },
  { key: "status", label: "Status" },
  { key: "create_time", label: "Created" },
  { key: "duration", label: "Running for" },
  { key: null, label: "Dashboard" },
  { key: null, label: "Actions" },
];

export class JobsView {
  readonly root = el("main", { class: "jobs-page" });
  private readonly message = el("div", { class: "messages", role: "status", "aria-live": "polite" });
  private readonly error = el("div", { class: "error-slot", role: "alert" });
  private readonly tableBody = el("tbody");
  private readonly headRow = el("tr");
  private readonly pager = el("nav", { class: "pager", "aria-label": "Pages" });
  private readonly createSlot = el("div", { class: "create-slot" });
  private readonly newButton: HTMLButtonElement;
  // Kept in the address (list-url.ts), so a reload shows the same list.
  private query: ListQuery = queryFromSearch(window.location.search);
  private total = 0;
  private limit: number | null = null;
  private jobs: Job[] = [];
  private fetchedAt = 0;
  private timer: number | undefined;
  private tickTimer: number | undefined;
  private searchTimer: number | undefined;
  private stopped = false;

  constructor(private readonly api: ConsoleApi) {
    const search = el("input", {
      type: "search",
      maxLength: MAX_SEARCH_CHARS,
      placeholder: "part of a job name",
      value: this.query.search_content,
      oninput: () => {
        window.clearTimeout(this.searchTimer);
        this.searchTimer = window.setTimeout(() => {
          this.query = { ...this.query, search_content: search.value, page: 1 };
          void this.load();
        }, 300);
      },
    });
    const status = el(
      "select",
      {
        onchange: () => {
          this.query = { ...this.query, status: STATUS_FILTERS[Number(status.value)]?.codes ?? [], page: 1 };
          void this.load();
        },
      },
      ...STATUS_FILTERS.map((f, i) => el("option", { value: String(i), selected: f === statusFilterOf(this.query) }, f.label)),
    );
    const perPage = el(
      "select",
      {
        onchange: () => {
          this.query = { ...this.query, per_page: Number(perPage.value), page: 1 };
          void this.load();
        },
      },
      ...PAGE_SIZES.map((n) => el("option", { value: String(n), selected: n === this.query.per_page }, String(n))),
    );
    this.newButton = el("button", { type: "button", class: "primary", onclick: () => this.openCreate() }, "New job");
    this.root.append(
      el(
        "div",
        { class: "jobs-toolbar" },
        labelled("Search jobs", search),
        labelled("Status", status),
        labelled("Per page", perPage),
        el("div", { class: "spacer" }),
        this.newButton,
      ),
      this.createSlot,
      this.error,
      this.message,
      el(
        "div",
        { class: "table-wrap" },
        el("table", { class: "data-table jobs-table", "aria-label": "Visualization jobs" }, el("thead", {}, this.headRow), this.tableBody),
      ),
      this.pager,
    );
    this.renderHead();
    document.addEventListener("visibilitychange", this.onVisibility);
  }

  destroy(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    window.clearInterval(this.tickTimer);
    document.removeEventListener("visibilitychange", this.onVisibility);
  }

  private onVisibility = () => {
    if (!document.hidden) void this.load();
  };

  start(): void {
    void this.load();
    // Durations of running jobs tick between polls.
    this.tickTimer = window.setInterval(() => this.updateDurations(), 1000);
  }

  private openCreate(): void {
    this.newButton.disabled = true;
    const close = () => {
      this.createSlot.replaceChildren();
      this.newButton.disabled = false;
      this.newButton.focus();
    };
    this.createSlot.replaceChildren(
      createJobForm(
        this.api,
        (name) => {
          close();
          this.notify(`Job ${name} created.`);
          void this.load();
        },
        close,
      ),
    );
  }

  private notify(text: string): void {
    this.message.replaceChildren(el("p", { class: "banner ok-banner" }, text));
  }

  private showError(err: unknown, what: string): void {
    const text =
      err instanceof ApiFailure
        ? el("span", {}, `${what}: `, el("code", { class: "error-code" }, err.code || String(err.httpStatus)), ` ${err.detail}`)
        : `${what}: ${err instanceof Error ? err.message : String(err)}`;
    this.error.replaceChildren(el("p", { class: "banner error" }, text));
  }

  async load(): Promise<void> {
    window.clearTimeout(this.timer);
    if (this.stopped) return;
    this.rememberQuery();
    try {
      const list = await this.api.list(this.query);
      this.jobs = list.jobs;
      this.total = list.job_total_count;
      this.limit = list.job_count_limit;
      this.fetchedAt = Date.now();
      this.error.replaceChildren();
      const pages = Math.max(1, Math.ceil(this.total / this.query.per_page));
      if (this.query.page > pages) {
        this.query = { ...this.query, page: pages };
        return this.load();
      }
      this.renderRows();
    } catch (err) {
      if (err instanceof ApiFailure && err.httpStatus === 401) {
        window.dispatchEvent(new CustomEvent("vizjobs:logged-out"));
        return;
      }
      this.showError(err, "Could not list jobs");
    }
    if (!document.hidden && !this.stopped) {
      const fast = this.jobs.some((j) => isTransient(j.status));
      this.timer = window.setTimeout(() => void this.load(), fast ? FAST_POLL_MS : POLL_MS);
    }
  }

  /** Writes the list's state into the address, without a history entry per keystroke. */
  private rememberQuery(): void {
    const search = searchOf(this.query);
    if (search !== window.location.search) {
      window.history.replaceState(window.history.state, "", `${window.location.pathname}${search}${window.location.hash}`);
    }
  }

  private renderHead(): void {
    this.headRow.replaceChildren(
      ...COLUMNS.map((c) => {
        if (!c.key) return el("th", { scope: "col" }, c.label);
        const key = c.key;
        const active = this.query.sort_by === key;
        const th = el(
          "th",
          { scope: "col" },
          el(
            "button",
            {
              type: "button",
              class: "sort",
              onclick: () => {
                const order = active && this.query.order === "asc" ? "desc" : "asc";
                this.query = { ...this.query, sort_by: key, order, page: 1 };
                this.renderHead();
                void this.load();
              },
            },
            c.label,
            active ? (this.query.order === "asc" ? " ▲" : " ▼") : "",
          ),
        );
        th.setAttribute("aria-sort", active ? (this.query.order === "asc" ? "ascending" : "descending") : "none");
        return th;
      }),
    );
  }

  private renderRows(): void {
    if (this.jobs.length === 0) {
      const filtered = this.query.search_content || this.query.status.length > 0;
      this.tableBody.replaceChildren(
        el(
          "tr",
          {},
          el(
            "td",
            { colSpan: COLUMNS.length, class: "empty" },
            filtered ? "No job matches." : "No visualization jobs yet. Create one with “New job”.",
          ),
        ),
      );
    } else {
      this.tableBody.replaceChildren(...this.jobs.map((job) => this.row(job)));
    }
    this.renderPager();
  }

  private row(job: Job): HTMLElement {
    const action = (label: string, enabled: boolean, run: () => Promise<void>, cls = "") =>
      el(
        "button",
        {
          type: "button",
          class: `small ${cls}`,
          disabled: !enabled,
          "aria-label": `${label} ${job.job_name}`,
          onclick: async (e: Event) => {
            const button = e.currentTarget as HTMLButtonElement;
            button.disabled = true;
            try {
              await run();
            } catch (err) {
              this.showError(err, `Could not ${label.toLowerCase()} ${job.job_name}`);
            } finally {
              void this.load();
            }
          },
        },
        label,
      );
    return el(
      "tr",
      { dataset: { jobId: String(job.job_id), jobName: job.job_name } },
      el("td", { class: "num" }, String(job.job_id)),
      el("td", {}, el("div", { class: "job-name" }, job.job_name), job.job_desc && el("div", { class: "muted small-text desc" }, job.job_desc)),
      el("td", { class: "job-type" }, job.job_type ? jobTypeLabel(job.job_type) : el("span", { class: "muted" }, "–")),
      el("td", { class: "train-url", title: job.train_url }, el("code", {}, job.train_url)),
      el(
        "td",
        {},
        el("span", { class: `status status-${statusTone(job.status)}`, title: `${statusName(job.status)} (${job.status})` }, humanStatus(job.status)),
      ),
      el("td", { class: "nowrap" }, formatDateTime(job.create_time)),
      el("td", { class: "num duration", dataset: { duration: String(job.duration), running: String(job.status === RUNNING) } }, formatDuration(job.duration)),
      el(
        "td",
        {},
        job.status === RUNNING && job.service_url
          ? el("a", { href: job.service_url, target: "_blank", rel: "noopener" }, "Open dashboard")
          : el("span", { class: "muted" }, "–"),
      ),
      el(
        "td",
        { class: "actions" },
        action("Stop", canStop(job.status), () =>
          this.confirm({
            title: `Stop job ${job.job_name}?`,
            text: "Its dashboard closes for everyone viewing it. The job and its logs are kept; Restart brings the dashboard back.",
            button: "Stop",
            run: () => this.api.stop(job.job_id),
            done: `Job ${job.job_name} is stopping.`,
          }),
        ),
        action("Restart", canRestart(job.status), () => this.api.restart(job.job_id)),
        action(
          "Delete",
          canDelete(job.status),
          () =>
            this.confirm({
              title: `Delete job ${job.job_name}?`,
              text: "Its dashboard stops and the job is removed. The training logs are not touched.",
              button: "Delete",
              danger: true,
              run: () => this.api.remove(job.job_id),
              done: `Job ${job.job_name} deleted.`,
            }),
          "danger",
        ),
      ),
    );
  }

  /** Asks before an action that closes or removes something; runs it on confirmation. */
  private confirm(action: { title: string; text: string; button: string; danger?: boolean; run: () => Promise<void>; done: string }): Promise<void> {
    return new Promise((resolve, reject) => {
      const confirm = el("button", { type: "button", class: action.danger ? "primary danger-fill" : "primary" }, action.button);
      const cancel = el("button", { type: "button", autofocus: true }, "Cancel");
      const dialog = el(
        "dialog",
        { class: "confirm-dialog", "aria-labelledby": "confirm-title" },
        el("h2", { id: "confirm-title" }, action.title),
        el("p", {}, action.text),
        el("div", { class: "form-actions" }, confirm, cancel),
      );
      let settled = false;
      const finish = (ok: boolean) => {
        if (settled) return;
        settled = true;
        dialog.close();
        dialog.remove();
        if (!ok) {
          resolve();
          return;
        }
        action.run().then(() => {
          this.notify(action.done);
          resolve();
        }, reject);
      };
      confirm.addEventListener("click", () => finish(true));
      cancel.addEventListener("click", () => finish(false));
      dialog.addEventListener("close", () => finish(false));
      document.body.append(dialog);
      dialog.showModal();
      cancel.focus();
    });
  }

  private renderPager(): void {
    const pages = Math.max(1, Math.ceil(this.total / this.query.per_page));
    const go = (page: number) => {
      this.query = { ...this.query, page };
      void this.load();
    };
    this.pager.replaceChildren(
      el("button", { type: "button", class: "small", disabled: this.query.page <= 1, onclick: () => go(this.query.page - 1) }, "Previous"),
      el("span", { class: "muted" }, `Page ${this.query.page} of ${pages} · ${this.total} job${this.total === 1 ? "" : "s"}${this.limit === null ? "" : ` · ${this.limit} more allowed by the quota`}`),
      el("button", { type: "button", class: "small", disabled: this.query.page >= pages, onclick: () => go(this.query.page + 1) }, "Next"),
    );
  }

  private updateDurations(): void {
    const elapsed = Date.now() - this.fetchedAt;
    for (const cell of this.tableBody.querySelectorAll<HTMLElement>("td.duration")) {
      const base = Number(cell.dataset.duration);
      cell.textContent = formatDuration(cell.dataset.running === "true" ? base + elapsed : base);
    }
  }
}

