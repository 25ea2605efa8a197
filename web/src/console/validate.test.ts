import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createBody, validateCreate, type CreateForm } from "./validate";
import { canDelete, canRestart, canStop, humanStatus, statusName } from "./status";

const ok: CreateForm = { job_name: "job_1-a", job_desc: "", train_url: "/data/logs", job_type: "tensorboard", schedule_hours: "" };

interface SharedCases {
  valid: CreateForm;
  cases: { field: keyof CreateForm; value: string; error: string | null; console: string | null }[];
}

describe("the API's create rules (shared cases)", () => {
  // The tests run from web/ (npm test).
  const path = resolve(process.cwd(), "../crates/vizjobs-api/tests/create_form_cases.json");
  const shared = JSON.parse(readFileSync(path, "utf8")) as SharedCases;

  it("has cases", () => {
    expect(shared.cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const c of shared.cases) {
    it(`${c.field} ${JSON.stringify(c.value).slice(0, 30)} → ${c.console ?? "valid"}`, () => {
      // Refused by the form exactly when the API refuses it, in words for people.
      expect(c.console === null).toBe(c.error === null);
      const errors = validateCreate({ ...shared.valid, [c.field]: c.value });
      expect(errors[c.field] ?? null).toBe(c.console);
    });
  }
});

describe("create form validation", () => {
  it("accepts a valid form", () => {
    expect(validateCreate(ok)).toEqual({});
  });

  it("says what is wrong with a name in words", () => {
    expect(validateCreate({ ...ok, job_name: "" }).job_name).toBe("Give the job a name: 1 to 20 letters, digits, '_' or '-'.");
    expect(validateCreate({ ...ok, job_name: "a".repeat(21) }).job_name).toBe("The name is 21 characters long; at most 20 are allowed.");
    expect(validateCreate({ ...ok, job_name: "a/b" }).job_name).toBe("The name may only use letters, digits, '_' and '-' (not “/”).");
    expect(validateCreate({ ...ok, job_name: "a".repeat(20) }).job_name).toBeUndefined();
  });

  it("counts description characters, not UTF-16 units", () => {
    expect(validateCreate({ ...ok, job_desc: "é".repeat(256) }).job_desc).toBeUndefined();
    expect(validateCreate({ ...ok, job_desc: "😀".repeat(256) }).job_desc).toBeUndefined();
    expect(validateCreate({ ...ok, job_desc: "😀".repeat(257) }).job_desc).toBe("The description is 257 characters long; at most 256 are allowed.");
  });

  it("explains auto-stop hours that are not whole, out of range or not a number", () => {
    expect(validateCreate({ ...ok, schedule_hours: "0.5" }).schedule_hours).toBe(
      "Auto-stop must be a whole number of hours from 0 to 24: 0.5 is not a whole number of hours; enter 0 or 1.",
    );
    expect(validateCreate({ ...ok, schedule_hours: "23.9" }).schedule_hours).toContain("enter 23 or 24");
    expect(validateCreate({ ...ok, schedule_hours: "", schedule_bad_input: true }).schedule_hours).toBe(
      "Auto-stop must be a whole number of hours from 0 to 24, or empty for never.",
    );
    expect(validateCreate({ ...ok, schedule_hours: "24" }).schedule_hours).toBeUndefined();
    expect(validateCreate({ ...ok, schedule_hours: "0" }).schedule_hours).toBeUndefined();
  });

  it("builds the API body", () => {
    expect(createBody({ ...ok, schedule_hours: "2" })).toEqual({
      job_name: "job_1-a",
      job_desc: "",
      train_url: "/data/logs",
      job_type: "tensorboard",
      schedule: { type: "stop", time_unit: "HOURS", duration: 2 },
    });
    expect(createBody(ok)).not.toHaveProperty("schedule");
  });
});

describe("statuses", () => {
  it("names and allowed operations follow the spec", () => {
    expect(statusName(8)).toBe("RUNNING");
    expect(statusName(21)).toBe("CHECK_FAILED");
    expect(humanStatus(12)).toBe("Stopped");
    const all = Array.from({ length: 22 }, (_, i) => i);
    expect(all.filter(canStop)).toEqual([1, 7, 8]);
    expect(all.filter(canRestart)).toEqual([10, 11, 12, 13, 14]);
    expect(all.filter((s) => !canDelete(s))).toEqual([9]);
  });
});
