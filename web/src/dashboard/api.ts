/**
 * Client of the dashboard data API (`docs/DATA_API.md`). Every URL is relative to the page, so
 * the same bundle works at `/` (`vizjobs board`) and at a job's `service_url`. Requests
 * revalidate with the server's ETag (`cache: "no-cache"`), so an unchanged answer costs a 304.
 */
import { parseHistogramRows, type HistogramStep } from "./histogram-math";
import { parseFloatValue, parseScalarColumns, SCALAR_COLUMNS_TYPE, type ScalarPoint } from "./series";
import { parseTensorRows, type TensorStep } from "./tensor-view";
import type { components, operations } from "../generated/api";

export class DataError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
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
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { error?: string };
      if (body.error) message = body.error;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new DataError(response.status, message);
  }
  return response;
}

async function getJson<T = unknown>(path: string, params: Record<string, string | number> = {}): Promise<T> {
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
      curve: { precision: numbers(c.precision), recall: numbers(c.recall), thresholds: numbers(c.thresholds) },
    }));
}

export async function fetchHparams(): Promise<HparamsData> {
  const body = await getJson<Partial<Answer<"data_hparams">> | null>("data/hparams");
  return {
    hparams: body?.hparams ?? [],
    metrics: body?.metrics ?? [],
    sessions: body?.sessions ?? [],
  };
}
