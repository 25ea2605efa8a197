/**
 * The create-job form. Each field is checked by the API's rules (validate.ts) before sending,
 * with messages written for people; what the API still refuses (e.g. a `train_url` outside the
 * allowed roots) comes back with its error code and is shown the same way.
 */
import { el, uid } from "../common/dom";
import { ApiFailure, type ConsoleApi } from "./api";
import { createBody, MAX_DESC_CHARS, MAX_NAME_CHARS, validateCreate, type CreateForm } from "./validate";

export function createJobForm(api: ConsoleApi, onCreated: (name: string) => void, onCancel: () => void): HTMLFormElement {
  const fields = {
    job_name: el("input", { type: "text", name: "job_name", maxLength: MAX_NAME_CHARS, required: true, placeholder: "e.g. resnet50-run1" }),
    job_desc: el("textarea", { name: "job_desc", rows: 2 }),
    train_url: el("input", { type: "text", name: "train_url", required: true, placeholder: "/bucket/path/to/logs/ or a local log folder" }),
    job_type: el(
      "select",
      { name: "job_type" },
      el("option", { value: "tensorboard" }, "TensorBoard"),
      el("option", { value: "mindinsight" }, "MindInsight"),
    ),
    schedule_hours: el("input", { type: "number", name: "schedule_hours", min: 0, max: 24, step: 1, placeholder: "never" }),
  };
  type Field = keyof typeof fields;
  const errors = new Map<Field, HTMLElement>();
  const help: Record<Field, string> = {
    job_name: `1–${MAX_NAME_CHARS} letters, digits, _ or -`,
    job_desc: `Optional, at most ${MAX_DESC_CHARS} characters`,
    train_url: "Folder with the training logs",
    job_type: "",
    schedule_hours: "Stop automatically after 0–24 hours (empty or 0: never)",
  };
  const labels: Record<Field, string> = {
    job_name: "Name",
    job_desc: "Description",
    train_url: "Log folder (train_url)",
    job_type: "Type",
    schedule_hours: "Auto-stop after (hours)",
  };
  const formError = el("p", { class: "form-error", role: "alert" });
  const submit = el("button", { type: "submit", class: "primary" }, "Create");

  const read = (): CreateForm => ({
    job_name: fields.job_name.value,
    job_desc: fields.job_desc.value,
    train_url: fields.train_url.value,
    job_type: fields.job_type.value,
    schedule_hours: fields.schedule_hours.value,
    schedule_bad_input: fields.schedule_hours.validity.badInput,
  });
  const show = (only?: Field) => {
    const found = validateCreate(read());
    for (const [key, node] of errors) {
      if (only && key !== only) continue;
      node.textContent = found[key] ?? "";
      fields[key].setAttribute("aria-invalid", String(Boolean(found[key])));
    }
    return found;
  };

  const rows = (Object.keys(fields) as Field[]).map((key) => {
    const control = fields[key];
    control.id = uid(`create-${key}`);
    const error = el("span", { class: "field-error", id: uid("err"), "aria-live": "polite" });
    const hint = help[key] ? el("span", { class: "hint", id: uid("hint") }, help[key]) : null;
    control.setAttribute("aria-describedby", [hint?.id, error.id].filter(Boolean).join(" "));
    control.addEventListener("blur", () => show(key));
    control.addEventListener("input", () => {
      if (errors.get(key)?.textContent) show(key);
    });
    errors.set(key, error);
    return el("div", { class: `field field-${key}` }, el("label", { htmlFor: control.id }, labels[key]), control, hint, error);
  });

  const form = el(
    "form",
    {
      class: "create-form",
      novalidate: true,
      "aria-label": "Create a visualization job",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        formError.textContent = "";
        const found = show();
        const first = (Object.keys(fields) as Field[]).find((key) => found[key]);
        if (first) {
          fields[first].focus();
          return;
        }
        submit.disabled = true;
        try {
          const form = read();
          await api.create(createBody(form));
          onCreated(form.job_name);
        } catch (err) {
          formError.textContent =
            err instanceof ApiFailure ? `${err.code || err.httpStatus}: ${err.detail}` : `Could not create the job: ${String(err)}`;
        } finally {
          submit.disabled = false;
        }
      },
    },
    el("h2", {}, "New visualization job"),
    el("div", { class: "form-grid" }, ...rows),
    formError,
    el("div", { class: "form-actions" }, submit, el("button", { type: "button", onclick: onCancel }, "Cancel")),
  );
  queueMicrotask(() => fields.job_name.focus());
  return form;
}
