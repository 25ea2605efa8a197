/**
 * The dashboard page: header (title, tabs, live refresh), run selector, and the active tab's
 * panel. Runs and tags are polled every `reload_interval_secs` (from `data/config`, changeable
 * and pausable in the header); the active panel then fetches what is new for what it shows.
 */
import "uplot/dist/uPlot.min.css";
import "../common/base.css";
import "./dashboard.css";
import { el } from "../common/dom";
import { jobTypeLabel } from "../common/format";
import { DataError, fetchConfig, fetchLogdir, fetchRuns, fetchTags, type LogdirState } from "./api";
import { assignRunColors } from "./colors";
import { DistributionsPanel, HistogramsPanel } from "./histograms";
import { GraphsPanel } from "./graph/panel";
import { applyTheme } from "../common/theme";
import { CustomScalarsPanel } from "./custom-scalars";
import { applyDisplaySettings, displayMenu } from "./display-settings";
import { consoleHref, jobNotice } from "./job-page";
import { HparamsPanel } from "./hparams";
import { ImagesPanel } from "./images";
import type { Panel } from "./panel";
import { PrCurvesPanel } from "./pr-curves";
import { RunsPanel } from "./runs-panel";
import { ScalarsPanel } from "./scalars";
import { Store } from "./store";
import { TensorsPanel } from "./tensors";
import { TextPanel } from "./text";
import { TABS, type Tab, userRegex } from "./urlstate";

const TAB_LABELS: Record<Tab, string> = {
  scalars: "Scalars",
  custom_scalars: "Custom scalars",
  histograms: "Histograms",
  distributions: "Distributions",
  images: "Images",
  text: "Text",
  tensors: "Tensors",
  pr_curves: "PR curves",
  hparams: "HParams",
  graphs: "Graphs",
};
const INTERVALS = [0, 5, 10, 30, 60, 120];
/** Seconds between polls while some run is still being read. */
const LOADING_POLL_SECS = 1;

class Dashboard {
  private readonly store = new Store();
  private readonly runsPanel = new RunsPanel(this.store);
  private readonly main = el("main", { class: "content", id: "content" });
  private readonly banner = el("div", { class: "banners", role: "status" });
  private readonly tabButtons = new Map<Tab, HTMLButtonElement>();
  private readonly tagFilterError = el("span", { class: "filter-error", role: "alert" });
  private readonly tagFilter: HTMLInputElement;
  private readonly lastUpdate = el("span", { class: "muted last-update" });
  private readonly jobType = el("span", { class: "badge job-type", id: "job-type", hidden: true });
  private readonly pauseButton: HTMLButtonElement;
  private readonly intervalSelect: HTMLSelectElement;
  private panel: Panel | null = null;
  private panelTab: Tab | null = null;
  private intervalSecs = 30;
  private paused = false;
  private timer: number | undefined;
  private loaded = false;

  constructor(private readonly host: HTMLElement) {
    this.pauseButton = el("button", { type: "button", class: "small", onclick: () => this.togglePause() }, "Pause");
    this.intervalSelect = el(
      "select",
      { id: "refresh-interval", onchange: () => this.setInterval(Number(this.intervalSelect.value)) },
      ...INTERVALS.map((s) => el("option", { value: String(s) }, s === 0 ? "Off" : `${s} s`)),
    );
    const tablist = el("nav", { class: "tabs", role: "tablist", "aria-label": "Dashboards" });
    for (const tab of TABS) {
      const button = el(
        "button",
        { type: "button", role: "tab", class: "tab", dataset: { tab }, onclick: () => this.store.update({ tab }) },
        TAB_LABELS[tab],
      );
      button.setAttribute("aria-controls", "content");
      this.tabButtons.set(tab, button);
      tablist.append(button);
    }
    tablist.addEventListener("keydown", (e) => this.onTabKey(e));
    const tagFilter = (this.tagFilter = el("input", {
      type: "search",
      id: "tag-filter",
      placeholder: "regex, e.g. loss|acc",
      value: this.store.view.tagFilter,
      oninput: () => {
        this.showTagFilterError(tagFilter.value);
        this.store.update({ tagFilter: tagFilter.value });
      },
    }));
    this.showTagFilterError(this.store.view.tagFilter);
    this.host.replaceChildren(
      el(
        "header",
        { class: "topbar" },
        consoleLink(),
        el("h1", { class: "title", id: "title" }, "vizjobs"),
        this.jobType,
        tablist,
        el(
          "div",
          { class: "live" },
          el("label", { htmlFor: "refresh-interval" }, "Refresh"),
          this.intervalSelect,
          this.pauseButton,
          el("button", { type: "button", class: "small", onclick: () => void this.tick() }, "Reload now"),
          this.lastUpdate,
          displayMenu(() => this.redraw()),
        ),
      ),
      el(
        "div",
        { class: "layout" },
        el(
          "div",
          { class: "sidebar" },
          el("div", { class: "field" }, el("label", { htmlFor: "tag-filter" }, "Filter tags"), tagFilter, this.tagFilterError),
          this.runsPanel.root,
        ),
        el("div", { class: "main-col" }, this.banner, this.main),
      ),
    );
    this.store.subscribe((reason) => this.onChange(reason));
  }

  async start(): Promise<void> {
    // Runs and tags are asked for at once with the config: the first chart waits on them, not
    // on the title and refresh interval the config holds.
    const [config] = await Promise.all([fetchConfig(), this.tick()]);
    if (config) {
      if (config.title) {
        document.title = `${config.title} · vizjobs`;
        (document.getElementById("title") as HTMLElement).textContent = config.title;
      }
      if (config.job_type) {
        const label = jobTypeLabel(config.job_type);
        this.jobType.textContent = `${label} job`;
        this.jobType.title = `Job type: ${config.job_type}`;
        this.jobType.dataset.jobType = config.job_type;
        this.jobType.hidden = false;
      }
      if (config.reload_interval_secs > 0) this.intervalSecs = config.reload_interval_secs;
    }
    if (!INTERVALS.includes(this.intervalSecs)) {
      this.intervalSelect.append(el("option", { value: String(this.intervalSecs) }, `${this.intervalSecs} s`));
    }
    this.intervalSelect.value = String(this.intervalSecs);
    this.schedule();
  }

  private onTabKey(e: KeyboardEvent): void {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    const i = TABS.indexOf(this.store.view.tab);
    const next = TABS[(i + (e.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length] as Tab;
    this.store.update({ tab: next });
    this.tabButtons.get(next)?.focus();
    e.preventDefault();
  }

  private setInterval(secs: number): void {
    this.intervalSecs = secs;
    this.schedule();
  }

  private togglePause(): void {
    this.paused = !this.paused;
    this.pauseButton.textContent = this.paused ? "Resume" : "Pause";
    this.pauseButton.setAttribute("aria-pressed", String(this.paused));
    this.schedule();
  }

  private schedule(): void {
    window.clearTimeout(this.timer);
    if (this.paused || this.intervalSecs <= 0) return;
    // While the engine is still reading a run, look again soon: its badge and its data should
    // not wait a whole refresh interval after the first load.
    const reading = this.store.runs.some((r) => r.status === "loading");
    const secs = reading ? Math.min(LOADING_POLL_SECS, this.intervalSecs) : this.intervalSecs;
    this.timer = window.setTimeout(() => void this.tick(), secs * 1000);
  }

  /** Fetch runs and tags, redraw what changed, let the panel fetch new data, reschedule. */
  private async tick(): Promise<void> {
    window.clearTimeout(this.timer);
    try {
      const [runs, tags, logdir] = await Promise.all([fetchRuns(), fetchTags(), fetchLogdir()]);
      this.renderLogdirBanner(logdir);
      const runsChanged = JSON.stringify(runs) !== JSON.stringify(this.store.runs);
      const tagsChanged = JSON.stringify(tags) !== JSON.stringify(this.store.tags);
      assignRunColors(runs.map((r) => r.name));
      this.store.runs = runs;
      this.store.tags = tags;
      if (!this.loaded || runsChanged || tagsChanged) {
        this.loaded = true;
        this.store.emit("runs");
      } else {
        await this.panel?.refresh();
      }
      this.lastUpdate.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      this.banner.querySelector(".api-error")?.remove();
    } catch (error) {
      this.banner.querySelector(".api-error")?.remove();
      const notice = error instanceof DataError ? jobNotice(error, window.location.pathname) : null;
      if (notice) {
        this.banner.prepend(
          el(
            "p",
            { class: "banner error api-error job-notice" },
            `${notice.text} `,
            notice.link && el("a", { href: notice.link.href }, notice.link.label),
          ),
        );
      } else {
        const message = error instanceof DataError ? `${error.status}: ${error.message}` : String(error);
        this.banner.prepend(el("p", { class: "banner error api-error" }, `Could not reach the data API: ${message}`));
      }
    }
    this.schedule();
  }

  /** An invalid regex in the tag filter is said so, as the run filter does (both then match as plain text). */
  private showTagFilterError(pattern: string): void {
    const invalid = pattern !== "" && userRegex(pattern) === null;
    this.tagFilterError.textContent = invalid ? "Not a valid regex: matching as plain text." : "";
  }

  /** Draws the current tab anew (after a display setting that panels read when drawing). */
  redraw(): void {
    this.panel?.destroy();
    this.panel = null;
    this.onChange("runs");
  }

  private onChange(reason: "view" | "runs" | "data"): void {
    // Back/Forward may have changed the filter under the input.
    if (this.tagFilter.value !== this.store.view.tagFilter && document.activeElement !== this.tagFilter) {
      this.tagFilter.value = this.store.view.tagFilter;
      this.showTagFilterError(this.store.view.tagFilter);
    }
    this.runsPanel.render();
    for (const [tab, button] of this.tabButtons) {
      const active = tab === this.store.view.tab;
      button.setAttribute("aria-selected", String(active));
      button.tabIndex = active ? 0 : -1;
    }
    this.renderBanners();
    if (this.store.runs.length === 0) {
      this.panel?.destroy();
      this.panel = null;
      this.panelTab = null;
      this.main.replaceChildren(emptyState());
      return;
    }
    if (this.panelTab !== this.store.view.tab || !this.panel) {
      this.panel?.destroy();
      this.panel = this.createPanel(this.store.view.tab);
      this.panelTab = this.store.view.tab;
      this.main.replaceChildren(this.panel.root);
    }
    this.panel.render();
    if (reason === "runs") void this.panel.refresh();
  }

  /** The logdir cannot be listed (missing folder, storage down, access denied): say why, since
   * there may be no run to show it on. */
  private renderLogdirBanner(logdir: LogdirState | null): void {
    this.banner.querySelector(".logdir-error")?.remove();
    if (logdir?.status === "error") {
      this.banner.prepend(
        el(
          "p",
          { class: "banner error logdir-error" },
          `The log folder cannot be read: ${logdir.error ?? "unknown error"}. The dashboard shows what was read before and retries on every refresh.`,
        ),
      );
    }
  }

  private renderBanners(): void {
    // Lost records are history; an unreadable run (storage down, a file gone) is a condition now.
    const lost = this.store.runs.filter((r) => r.data_loss > 0).map((r) => `${r.name} (${r.data_loss} lost)`);
    const unreadable = this.store.runs.filter((r) => r.status === "error").map((r) => r.name);
    this.banner.querySelector(".data-loss")?.remove();
    const parts: string[] = [];
    if (lost.length > 0) parts.push(`Data loss: some records could not be read in ${lost.join(", ")}.`);
    if (unreadable.length > 0) parts.push(`Cannot be read now: ${unreadable.join(", ")}.`);
    if (parts.length > 0) {
      this.banner.append(
        el(
          "p",
          { class: "banner warning-banner data-loss" },
          `⚠ ${parts.join(" ")} Hover the ⚠ next to a run for details.`,
        ),
      );
    }
  }

  private createPanel(tab: Tab): Panel {
    switch (tab) {
      case "scalars":
        return new ScalarsPanel(this.store);
      case "custom_scalars":
        return new CustomScalarsPanel(this.store);
      case "histograms":
        return new HistogramsPanel(this.store);
      case "distributions":
        return new DistributionsPanel(this.store);
      case "images":
        return new ImagesPanel(this.store);
      case "text":
        return new TextPanel(this.store);
      case "tensors":
        return new TensorsPanel(this.store);
      case "pr_curves":
        return new PrCurvesPanel(this.store);
      case "hparams":
        return new HparamsPanel(this.store);
      case "graphs":
        return new GraphsPanel(this.store);
    }
  }
}

/** A job's dashboard links back to the jobs console; `vizjobs board` has none. */
function consoleLink(): HTMLElement | null {
  const href = consoleHref(window.location.pathname);
  return href ? el("a", { class: "console-link", href, title: "Back to the jobs console" }, "← Jobs") : null;
}

function emptyState(): HTMLElement {
  return el(
    "div",
    { class: "empty-state" },
    el("h2", {}, "No data yet"),
    el(
      "p",
      {},
      "No run with TensorBoard event files or MindSpore summaries was found in this job's log directory yet. ",
      "The dashboard keeps watching it: runs appear here as soon as training writes them.",
    ),
  );
}

applyDisplaySettings();
const host = document.getElementById("app");
if (host) {
  const dashboard = new Dashboard(host);
  // Charts read their colours when drawn: a scheme that follows the OS redraws them.
  applyTheme(() => dashboard.redraw());
  window.addEventListener("vizjobs:colors", () => dashboard.redraw());
  void dashboard.start();
}
