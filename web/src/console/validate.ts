/**
 * The create form's rules, with the messages the API answers (`vizjobs-api`'s validate.rs and
 * job.rs), so the user reads the same words before and after submitting. Both are checked
 * against the same cases, `crates/vizjobs-api/tests/create_form_cases.json`.
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
}

export type FieldErrors = Partial<Record<keyof CreateForm, string>>;

export function validateJobName(name: string): string | null {
  return /^[A-Za-z0-9_-]{1,20}$/.test(name)
    ? null
    : `job_name must be 1 to ${MAX_NAME_CHARS} characters of letters, digits, '_' and '-'`;
}

export function validateJobDesc(desc: string): string | null {
  if (desc.includes("\u0000")) return "job_desc must not contain a NUL character";
  // The API counts Unicode scalar values, as the spread of a string does.
  return [...desc].length > MAX_DESC_CHARS ? `job_desc must be at most ${MAX_DESC_CHARS} characters` : null;
}

export function validateTrainUrl(url: string): string | null {
  return url.trim() === "" ? "train_url is required" : null;
}

export function validateScheduleHours(text: string): string | null {
  if (text.trim() === "") return null;
  const hours = Number(text);
  if (!Number.isInteger(hours) || hours < 0 || hours > MAX_SCHEDULE_HOURS) {
    return `schedule.duration must be 0 to ${MAX_SCHEDULE_HOURS} hours, got ${text.trim()}`;
  }
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
  set("schedule_hours", validateScheduleHours(form.schedule_hours));
  if (form.job_type !== "tensorboard" && form.job_type !== "mindinsight") {
    errors.job_type = `job_type must be tensorboard or mindinsight, got "${form.job_type}"`;
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
