import { describe, expect, it } from "vitest";
import { DataError } from "./api";
import { consoleHref, jobNotice, loginHref } from "./job-page";

describe("a job's dashboard", () => {
  it("finds its console, also behind a path prefix; vizjobs board has none", () => {
    expect(consoleHref("/vj/p1/12/")).toBe("/");
    expect(consoleHref("/proxy/vizjobs/vj/p1/12/")).toBe("/proxy/vizjobs/");
    expect(consoleHref("/")).toBeNull();
    expect(loginHref("/vj/p1/12/")).toBe("/?next=%2Fvj%2Fp1%2F12%2F");
  });

  it("says a stopped or deleted job or an ended session in words, other failures not", () => {
    const stopped = jobNotice(new DataError(503, "not running", "ModelArts.0105"), "/vj/p/1/");
    expect(stopped?.text).toBe("This job was stopped. Its dashboard comes back when the job is restarted.");
    expect(stopped?.link?.href).toBe("/");
    expect(jobNotice(new DataError(404, "gone", "ModelArts.0103"), "/vj/p/1/")?.text).toContain("deleted");
    expect(jobNotice(new DataError(401, "expired", "ModelArts.0202"), "/vj/p/1/")?.link?.label).toBe("Log in again");
    expect(jobNotice(new DataError(500, "boom"), "/vj/p/1/")).toBeNull();
    expect(jobNotice(new DataError(503, "not running", "ModelArts.0105"), "/")).toBeNull();
  });
});
