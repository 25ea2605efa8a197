/**
 * Job statuses: the integers of the API (`vizjobs-api`'s `JobStatus`), their upper-case
 * ModelArts names, human names, and which operations each allows (same rules as the server).
 */
export const STATUS_NAMES = [
  "UNKNOWN", "INIT", "IMAGE_CREATING", "IMAGE_FAILED", "SUBMIT_TRYING", "SUBMIT_FAILED",
  "DELETE_FAILED", "WAITING", "RUNNING", "KILLING", "COMPLETED", "FAILED", "KILLED", "CANCELED",
  "LOST", "SCALING", "SUBMIT_MODEL_FAILED", "DEPLOY_SERVICE_FAILED", "CHECK_INIT", "CHECK_RUNNING",
  "CHECK_RUNNING_COMPLETED", "CHECK_FAILED",
] as const;

const HUMAN: Record<number, string> = {
  0: "Unknown",
  1: "Initializing",
  2: "Creating image",
  3: "Image failed",
  4: "Submitting",
  5: "Submit failed",
  6: "Delete failed",
  7: "Waiting",
  8: "Running",
  9: "Stopping",
  10: "Completed",
  11: "Failed",
  12: "Stopped",
  13: "Canceled",
  14: "Lost",
  15: "Scaling",
  16: "Model submit failed",
  17: "Service deploy failed",
  18: "Check initializing",
  19: "Checking",
  20: "Check completed",
  21: "Check failed",
};

export const RUNNING = 8;

export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `STATUS_${code}`;
}

export function humanStatus(code: number): string {
  return HUMAN[code] ?? `Status ${code}`;
}

/** A CSS class for the status badge colour. */
export function statusTone(code: number): "ok" | "busy" | "bad" | "idle" {
  if (code === 8) return "ok";
  if (code === 1 || code === 2 || code === 4 || code === 7 || code === 9 || code === 15) return "busy";
  if ([3, 5, 6, 11, 14, 16, 17, 21].includes(code)) return "bad";
  return "idle";
}

export const canStop = (code: number) => code === 1 || code === 7 || code === 8;
export const canRestart = (code: number) => [10, 11, 12, 13, 14].includes(code);
export const canDelete = (code: number) => code !== 9;
/** Statuses that move on by themselves: the table polls faster while one is shown. */
export const isTransient = (code: number) => [1, 2, 4, 7, 9, 15].includes(code);
