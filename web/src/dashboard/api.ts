/**
 * Client of the dashboard data API (`docs/DATA_API.md`). Every URL is relative to the page, so
 * the same bundle works at `/` (`vizjobs board`) and at a job's `service_url`. Requests
 * revalidate with the server's ETag (`cache: "no-cache"`), so an unchanged answer costs a 304.
 */
import { parseHistogramRows, type HistogramStep } from "./histogram-math";
import { parseFloatValue, parseScalarColumns, SCALAR_COLUMNS_TYPE, type ScalarPoint } from "./series";
import { parseTensorRows, type TensorStep } from "./tensor-view";

export class DataError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RunProblem {
  file: string;
  offset: number;
  kind: string;
  message: string;
}

export interface RunInfo {
  name: string;
  status: "loading" | "ready" | "error";
  format: string;
  data_loss: number;
  problems: RunProblem[];
  last_update: number | null;
}

export interface RunTags {
  scalars: string[];
  histograms: string[];
  images: string[];
  text: string[];
  pr_curves: string[];
  tensors: string[];
  audio: string[];
  hparams: boolean;
  custom_scalars: boolean;
  graph: boolean;
}

export interface DashboardConfig {
  reload_interval_secs: number;
  /** The job's type; null in `vizjobs board`, which serves no job. */
  job_type: string | null;
  title: string;
}

export interface ImageEntry {
  step: number;
  wall_time: number;
  index: number;
  width: number;
  height: number;
  content_type: string;
  url: string;
}

export type TextEntry = { step: number; wallTime: number; markdown: string };

export interface PrCurve {
  precision: number[];
  recall: number[];
  thresholds: number[];
}
export type PrCurveStep = { step: number; wallTime: number; curve: PrCurve };

export interface HparamsData {
  hparams: { name: string; type?: string }[];
  metrics: { tag: string }[];
  sessions: {
    run: string;
    hparams: Record<string, unknown>;
    metrics: Record<string, unknown>;
    status?: string;
  }[];
}

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

async function getJson(path: string, params: Record<string, string | number> = {}): Promise<unknown> {
  return (await request(path, params, "application/json")).json();
}

/** URL of a data endpoint with its query, relative to the page (for links and downloads). */
export function dataUrl(path: string, params: Record<string, string | number>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) query.set(k, String(v));
  return `data/${path}?${query.toString()}`;
}

export async function fetchRuns(): Promise<RunInfo[]> {
  const body = await getJson("data/runs");
  return Array.isArray(body) ? (body as RunInfo[]) : [];
}

export async function fetchTags(): Promise<Record<string, RunTags>> {
  const body = await getJson("data/tags");
  return body && typeof body === "object" ? (body as Record<string, RunTags>) : {};
}

/** The logdir as a whole (`data/logdir`): whether it can be listed at all. */
export interface LogdirState {
  status: "loading" | "ready" | "error";
  error: string | null;
  runs: number;
}

export async function fetchLogdir(): Promise<LogdirState | null> {
  try {
    return (await getJson("data/logdir")) as LogdirState;
  } catch {
    // An older engine without the endpoint: nothing to report.
    return null;
  }
}

export async function fetchConfig(): Promise<DashboardConfig | null> {
  try {
    return (await getJson("data/config")) as DashboardConfig;
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
  const params: Record<string, string | number> = { run, tag };
  if (q.points !== undefined) params.points = q.points;
  if (q.sinceStep !== undefined) params.since_step = q.sinceStep;
  if (q.startStep !== undefined) params.start_step = q.startStep;
  if (q.endStep !== undefined) params.end_step = q.endStep;
  // The binary form: a full series is tens of thousands of points, which JSON makes the
  // browser parse number by number.
  params.format = "binary";
  const response = await request("data/scalars", params, SCALAR_COLUMNS_TYPE);
  return parseScalarColumns(await response.arrayBuffer());
}

export async function fetchHistograms(run: string, tag: string): Promise<HistogramStep[]> {
  return parseHistogramRows(await getJson("data/histograms", { run, tag }));
}

export async function fetchImages(run: string, tag: string): Promise<ImageEntry[]> {
  const body = await getJson("data/images", { run, tag });
  return Array.isArray(body) ? (body as ImageEntry[]) : [];
}

export async function fetchText(run: string, tag: string): Promise<TextEntry[]> {
  const body = await getJson("data/text", { run, tag });
  if (!Array.isArray(body)) return [];
  return body
    .filter((row): row is unknown[] => Array.isArray(row) && row.length >= 3)
    .map((row) => ({ step: Number(row[0]), wallTime: parseFloatValue(row[1]), markdown: String(row[2]) }));
}

export async function fetchTensors(run: string, tag: string): Promise<TensorStep[]> {
  return parseTensorRows(await getJson("data/tensors", { run, tag }));
}

export async function fetchPrCurves(run: string, tag: string): Promise<PrCurveStep[]> {
  const body = await getJson("data/pr_curves", { run, tag });
  if (!Array.isArray(body)) return [];
  const numbers = (v: unknown) => (Array.isArray(v) ? v.map(parseFloatValue) : []);
  return body
    .filter((row): row is unknown[] => Array.isArray(row) && row.length >= 3 && typeof row[2] === "object")
    .map((row) => {
      const c = row[2] as Record<string, unknown>;
      return {
        step: Number(row[0]),
        wallTime: parseFloatValue(row[1]),
        curve: { precision: numbers(c.precision), recall: numbers(c.recall), thresholds: numbers(c.thresholds) },
      };
    });
}

export async function fetchHparams(): Promise<HparamsData> {
  const body = (await getJson("data/hparams")) as Partial<HparamsData> | null;
  return {
    hparams: body?.hparams ?? [],
    metrics: body?.metrics ?? [],
    sessions: body?.sessions ?? [],
  };
}
