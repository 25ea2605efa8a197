/**
 * The create form's rules: the API's (`vizjobs-api`'s validate.rs and job.rs), told in words for
 * people rather than field names. The API and this file are checked against the same cases,
 * `crates/vizjobs-api/tests/create_form_cases.json`: each case holds the API's message
 * (`error`) and the form's (`console`), so the two sets of rules cannot drift apart.
 */
export const MAX_NAME_CHARS = 20;
export const MAX_DESC_CHARS = 256;
export const MAX_SCHEDULE_HOURS = 24;
export const MAX_SEARCH_CHARS = 100;

export interface CreateForm {
  job_name: string;
  job_desc: string;
  train_url: string;
  job_type: string;
  /** Hours before auto-stop as typed; empty for none. */
  schedule_hours: string;
  /** The browser could not read `schedule_hours` as a number (its value is then empty). */
  schedule_bad_input?: boolean;
}

export type FieldErrors = Partial<Record<keyof CreateForm, string>>;

export function validateJobName(name: string): string | null {
  if (/^[A-Za-z0-9_-]{1,20}$/.test(name)) return null;
  if (name === "") return `Give the job a name: 1 to ${MAX_NAME_CHARS} letters, digits, '_' or '-'.`;
  const length = [...name].length;
  if (length > MAX_NAME_CHARS) return `The name is ${length} characters long; at most ${MAX_NAME_CHARS} are allowed.`;
  const bad = [...name].find((c) => !/[A-Za-z0-9_-]/.test(c)) ?? "";
  return `The name may only use letters, digits, '_' and '-' (not ${bad === " " ? "spaces" : `“${bad}”`}).`;
}

export function validateJobDesc(desc: string): string | null {
  if (desc.includes("\u0000")) return "The description must not contain a NUL character.";
  // The API counts Unicode scalar values, as the spread of a string does.
  const length = [...desc].length;
  return length > MAX_DESC_CHARS
    ? `The description is ${length} characters long; at most ${MAX_DESC_CHARS} are allowed.`
    : null;
}

export function validateTrainUrl(url: string): string | null {
  return url.trim() === "" ? "Enter the folder that holds the training logs." : null;
}

/** `badInput`: the browser could not read the number field's text as a number. */
export function validateScheduleHours(text: string, badInput = false): string | null {
  const rule = `Auto-stop must be a whole number of hours from 0 to ${MAX_SCHEDULE_HOURS}`;
  if (badInput) return `${rule}, or empty for never.`;
  const typed = text.trim();
  if (typed === "") return null;
  const hours = Number(typed);
  if (!Number.isFinite(hours)) return `${rule}, or empty for never.`;
  if (!Number.isInteger(hours)) {
    const below = Math.max(0, Math.floor(hours));
    const above = Math.min(MAX_SCHEDULE_HOURS, Math.ceil(hours));
    const choices = below === above ? `${below}` : `${below} or ${above}`;
    return `${rule}: ${typed} is not a whole number of hours; enter ${choices}.`;
  }
  if (hours < 0) return `${rule}: ${typed} is below 0.`;
  if (hours > MAX_SCHEDULE_HOURS) return `${rule}: ${typed} is more than ${MAX_SCHEDULE_HOURS}.`;
  return null;
}

export function validateCreate(form: CreateForm): FieldErrors {
  const errors: FieldErrors = {};
  const set = (key: keyof CreateForm, message: string | null) => {
    if (message) errors[key] = message;
  };
  set("job_name", validateJobName(form.job_name));
  set("job_desc", validateJobDesc(form.job_desc));
  set("train_url", validateTrainUrl(form.train_url));
  set("schedule_hours", validateScheduleHours(form.schedule_hours, form.schedule_bad_input));
  if (form.job_type !== "tensorboard" && form.job_type !== "mindinsight") {
    errors.job_type = "Choose TensorBoard or MindInsight.";
  }
  return errors;
}

/** The JSON body of create for a valid form. */
export function createBody(form: CreateForm): Record<string, unknown> {
  const body: Record<string, unknown> = {
    job_name: form.job_name,
    job_desc: form.job_desc,
    train_url: form.train_url.trim(),
    job_type: form.job_type,
  };
  const hours = form.schedule_hours.trim();
  if (hours !== "") body.schedule = { type: "stop", time_unit: "HOURS", duration: Number(hours) };
  return body;
}
