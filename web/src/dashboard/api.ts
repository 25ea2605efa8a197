/**
 * Client of the dashboard data API (`docs/DATA_API.md`). Every URL is relative to the page, so
 * the same bundle works at `/` (`vizjobs board`) and at a job's `service_url`. Requests
 * revalidate with the server's ETag (`cache: "no-cache"`), so an unchanged answer costs a 304.
 */
import { parseHistogramRows, type HistogramStep } from "./histogram-math";
import { MULTIRUN_TYPE, parseMultirun, type RunColumns } from "./multirun";
import { parseFloatValue, parseScalarColumns, SCALAR_COLUMNS_TYPE, type ScalarPoint } from "./series";
import { parseTensorRows, type TensorStep } from "./tensor-view";
import type { components, operations } from "../generated/api";

export class DataError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The server's ModelArts error code when the job's service refused the request (e.g.
     * `ModelArts.0105`: the job is not running), absent for the engine's own errors. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The error a failed answer carries: the engine's `{error}` or the server's `{error_code, error_msg}`. */
export async function dataError(response: Response): Promise<DataError> {
  let message = `${response.status} ${response.statusText}`;
  let code: string | undefined;
  try {
    const body = (await response.json()) as { error?: string; error_code?: string; error_msg?: string };
    if (body.error) message = body.error;
    else if (body.error_msg) message = body.error_msg;
    if (typeof body.error_code === "string") code = body.error_code;
  } catch {
    // Not JSON: keep the status line.
  }
  return new DataError(response.status, message, code);
}

// The answers' shapes come from the server's OpenAPI document (`web/openapi.json`, written by
// the engine's typed answers); `npm run gen:api` regenerates `src/generated/api.d.ts`.
type Schemas = components["schemas"];
/** The data API's operations (`data/...`), by operation id. */
type DataOp = Extract<keyof operations, `data_${string}`>;
/** The JSON answer of a data API operation. */
type Answer<Op extends DataOp> = operations[Op]["responses"] extends {
  200: { content: { "application/json": infer T } };
}
  ? T
  : never;
/** The query of a data API operation. */
type Query<Op extends DataOp> = operations[Op]["parameters"] extends { query?: infer Q } ? NonNullable<Q> : never;

export type RunProblem = Schemas["Problem"];
export type RunInfo = Schemas["RunInfo"];
export type RunTags = Schemas["RunTags"];
export type DashboardConfig = Schemas["DashboardConfig"];
export type ImageEntry = Schemas["ImageEntry"];
export type LogdirState = Schemas["LogdirState"];
export type HparamsData = Schemas["Hparams"];

export type TextEntry = { step: number; wallTime: number; markdown: string };

export interface PrCurve {
  precision: number[];
  recall: number[];
  thresholds: number[];
  truePositives: number[];
  falsePositives: number[];
  trueNegatives: number[];
  falseNegatives: number[];
}
export type PrCurveStep = { step: number; wallTime: number; curve: PrCurve };

async function request(path: string, params: Record<string, string | number>, accept: string): Promise<Response> {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) query.set(k, String(v));
  const text = query.toString();
  const response = await fetch(text ? `${path}?${text}` : path, {
    cache: "no-cache",
    credentials: "same-origin",
    headers: { Accept: accept },
  });
  if (!response.ok) throw await dataError(response);
  return response;
}

/** A data endpoint's JSON answer; a failure throws {@link DataError}. */
export async function getJson<T = unknown>(path: string, params: Record<string, string | number> = {}): Promise<T> {
  return (await request(path, params, "application/json")).json() as Promise<T>;
}

/** URL of a data endpoint with its query, relative to the page (for links and downloads). */
export function dataUrl(path: string, params: Record<string, string | number>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) query.set(k, String(v));
  return `data/${path}?${query.toString()}`;
}

export async function fetchRuns(): Promise<RunInfo[]> {
  const body = await getJson<Answer<"data_runs"> | null>("data/runs");
  return Array.isArray(body) ? body : [];
}

export async function fetchTags(): Promise<Record<string, RunTags>> {
  const body = await getJson<Answer<"data_tags"> | null>("data/tags");
  return body && typeof body === "object" ? body : {};
}

/** The logdir as a whole (`data/logdir`): whether it can be listed at all. */
export async function fetchLogdir(): Promise<LogdirState | null> {
  try {
    return await getJson<Answer<"data_logdir">>("data/logdir");
  } catch {
    // An older engine without the endpoint: nothing to report.
    return null;
  }
}

export async function fetchConfig(): Promise<DashboardConfig | null> {
  try {
    return await getJson<Answer<"data_config">>("data/config");
  } catch {
    return null;
  }
}

export interface ScalarQuery {
  points?: number;
  sinceStep?: number;
  startStep?: number;
  endStep?: number;
}

export async function fetchScalars(run: string, tag: string, q: ScalarQuery = {}): Promise<ScalarPoint[]> {
  const params: Query<"data_scalars"> = { run, tag };
  if (q.points !== undefined) params.points = q.points;
  if (q.sinceStep !== undefined) params.since_step = q.sinceStep;
  if (q.startStep !== undefined) params.start_step = q.startStep;
  if (q.endStep !== undefined) params.end_step = q.endStep;
  // The binary form: a full series is tens of thousands of points, which JSON makes the
  // browser parse number by number.
  params.format = "binary";
  const response = await request("data/scalars", { ...params }, SCALAR_COLUMNS_TYPE);
  return parseScalarColumns(await response.arrayBuffer());
}

/** Which runs a multi-run query selects: named runs, or every run whose name a regex finds ("" for all). */
export type RunSelection = { runs: readonly string[] } | { runRegex: string };

/**
 * One tag of many runs in one request (`POST data/scalars_multirun`, binary form): the runs that
 * have the tag, by name. The selection goes in the form body, which no URL length limits.
 */
export async function fetchScalarsMultirun(
  tag: string,
  selection: RunSelection,
  q: ScalarQuery = {},
): Promise<Map<string, RunColumns>> {
  const form = new URLSearchParams();
  form.set("tag", tag);
  if ("runRegex" in selection) form.set("run_regex", selection.runRegex);
  else for (const run of selection.runs) form.append("runs", run);
  if (q.points !== undefined) form.set("points", String(q.points));
  if (q.sinceStep !== undefined) form.set("since_step", String(q.sinceStep));
  if (q.startStep !== undefined) form.set("start_step", String(q.startStep));
  if (q.endStep !== undefined) form.set("end_step", String(q.endStep));
  const response = await fetch("data/scalars_multirun?format=binary", {
    method: "POST",
    body: form,
    cache: "no-store",
    credentials: "same-origin",
    headers: { Accept: MULTIRUN_TYPE },
  });
  if (!response.ok) throw await dataError(response);
  return parseMultirun(await response.arrayBuffer());
}

export async function fetchHistograms(run: string, tag: string): Promise<HistogramStep[]> {
  const query: Query<"data_histograms"> = { run, tag };
  return parseHistogramRows(await getJson<Answer<"data_histograms">>("data/histograms", query));
}

export async function fetchImages(run: string, tag: string): Promise<ImageEntry[]> {
  const body = await getJson<Answer<"data_images"> | null>("data/images", { run, tag });
  return Array.isArray(body) ? body : [];
}

export async function fetchText(run: string, tag: string): Promise<TextEntry[]> {
  const body = await getJson<Answer<"data_text"> | null>("data/text", { run, tag });
  if (!Array.isArray(body)) return [];
  return body
    .filter((row) => Array.isArray(row) && row.length >= 3)
    .map(([step, wallTime, markdown]) => ({ step: Number(step), wallTime: parseFloatValue(wallTime), markdown: String(markdown) }));
}

export async function fetchTensors(run: string, tag: string): Promise<TensorStep[]> {
  return parseTensorRows(await getJson<Answer<"data_tensors">>("data/tensors", { run, tag }));
}

export async function fetchPrCurves(run: string, tag: string): Promise<PrCurveStep[]> {
  const body = await getJson<Answer<"data_pr_curves"> | null>("data/pr_curves", { run, tag });
  if (!Array.isArray(body)) return [];
  const numbers = (v: unknown) => (Array.isArray(v) ? v.map(parseFloatValue) : []);
  return body
    .filter((row) => Array.isArray(row) && row.length >= 3 && row[2] !== null && typeof row[2] === "object")
    .map(([step, wallTime, c]) => ({
      step: Number(step),
      wallTime: parseFloatValue(wallTime),
      curve: {
        precision: numbers(c.precision),
        recall: numbers(c.recall),
        thresholds: numbers(c.thresholds),
        truePositives: numbers(c.tp),
        falsePositives: numbers(c.fp),
        trueNegatives: numbers(c.tn),
        falseNegatives: numbers(c.fn),
      },
    }));
}

export type CustomScalarsLayout = Schemas["CustomScalars"];

/** The custom-scalars layout of every run, merged by category (`data/custom_scalars`). */
export async function fetchCustomScalars(): Promise<CustomScalarsLayout> {
  const body = await getJson<Partial<Answer<"data_custom_scalars">> | null>("data/custom_scalars");
  return { categories: Array.isArray(body?.categories) ? body.categories : [] };
}

export async function fetchHparams(): Promise<HparamsData> {
  const body = await getJson<Partial<Answer<"data_hparams">> | null>("data/hparams");
  return {
    hparams: body?.hparams ?? [],
    metrics: body?.metrics ?? [],
    sessions: body?.sessions ?? [],
  };
}
