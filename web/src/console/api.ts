/**
 * Client of the console's browser session (`/console/*`) and of the jobs API
 * (`/v1/{project_id}/visualization-jobs`), authenticated by the session cookie. Every
 * state-changing request carries `X-CSRF-Token` with the token the session answered.
 */

import type { components } from "../generated/api";

/** What `/console/login` and `/console/session` answer (from the OpenAPI document). */
export type Session = components["schemas"]["ConsoleSession"];

export interface Job {
  job_id: number;
  job_name: string;
  job_desc: string;
  status: number;
  create_time: number;
  duration: number;
  service_url: string;
  train_url: string;
  resource_id?: string;
  /** `tensorboard` or `mindinsight`; older servers leave it out. */
  job_type?: string;
}

export interface JobList {
  job_total_count: number;
  job_count_limit: number;
  jobs: Job[];
}

export type SortKey = "job_id" | "job_name" | "job_desc" | "create_time" | "status" | "duration";

export interface ListQuery {
  page: number;
  per_page: number;
  sort_by: SortKey;
  order: "asc" | "desc";
  search_content: string;
  status: number[];
}

/** A failure answer: the API's `error_code` and `error_msg`, or the HTTP status when absent. */
export class ApiFailure extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(code ? `${code}: ${detail}` : detail);
  }
}

async function failure(response: Response): Promise<ApiFailure> {
  let code = "";
  let detail = `${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as Record<string, unknown>;
    if (typeof body.error_code === "string") code = body.error_code;
    const msg = body.error_msg ?? body.error_message ?? body.error;
    if (typeof msg === "string" && msg) detail = msg;
  } catch {
    // Not JSON: the status line says what we know.
  }
  return new ApiFailure(response.status, code, detail);
}

export class ConsoleApi {
  session: Session | null = null;

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined || method !== "GET") headers["Content-Type"] = "application/json";
    if (method !== "GET" && this.session) headers["X-CSRF-Token"] = this.session.csrf_token;
    const response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await failure(response);
    const text = await response.text();
    return text ? JSON.parse(text) : {};
  }

  /** The current session, or null when logged out. */
  async restore(): Promise<Session | null> {
    try {
      this.session = (await this.request("GET", "/console/session")) as Session;
    } catch (e) {
      if (e instanceof ApiFailure && e.httpStatus === 401) this.session = null;
      else throw e;
    }
    return this.session;
  }

  async login(account: string, username: string, password: string): Promise<Session> {
    this.session = (await this.request("POST", "/console/login", { account, username, password })) as Session;
    return this.session;
  }

  async logout(): Promise<void> {
    try {
      await this.request("POST", "/console/logout");
    } finally {
      this.session = null;
    }
  }

  private base(): string {
    if (!this.session) throw new ApiFailure(401, "", "Not logged in");
    return `/v1/${encodeURIComponent(this.session.project_id)}/visualization-jobs`;
  }

  async list(q: ListQuery): Promise<JobList> {
    const params = new URLSearchParams({
      page: String(q.page),
      per_page: String(q.per_page),
      sort_by: q.sort_by,
      order: q.order,
    });
    if (q.search_content) params.set("search_content", q.search_content);
    if (q.status.length > 0) params.set("status", q.status.join(","));
    const body = (await this.request("GET", `${this.base()}?${params}`)) as Partial<JobList>;
    return {
      job_total_count: body.job_total_count ?? 0,
      job_count_limit: body.job_count_limit ?? 0,
      jobs: body.jobs ?? [],
    };
  }

  async create(body: Record<string, unknown>): Promise<{ job_id: number; service_url?: string }> {
    return (await this.request("POST", this.base(), body)) as { job_id: number; service_url?: string };
  }

  async stop(id: number): Promise<void> {
    await this.request("POST", `${this.base()}/${id}/stop`);
  }

  async restart(id: number): Promise<void> {
    await this.request("POST", `${this.base()}/${id}/restart`);
  }

  async remove(id: number): Promise<void> {
    await this.request("DELETE", `${this.base()}/${id}`);
  }
}
