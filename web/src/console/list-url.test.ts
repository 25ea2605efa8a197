import { describe, expect, it } from "vitest";
import { DEFAULT_QUERY, queryFromSearch, returnPath, searchOf } from "./list-url";

describe("the jobs list in the address", () => {
  it("leaves defaults out and round-trips every setting", () => {
    expect(searchOf(DEFAULT_QUERY)).toBe("");
    const q = { page: 3, per_page: 50, sort_by: "job_name" as const, order: "asc" as const, search_content: "res net", status: [9, 10, 12, 13] };
    const search = searchOf(q);
    expect(search).toBe("?q=res+net&status=stopped&page=3&per=50&sort=job_name&order=asc");
    expect(queryFromSearch(search)).toEqual(q);
  });

  it("falls back to defaults for unknown or out-of-range values", () => {
    expect(queryFromSearch("?page=0&per=7&sort=evil&order=up&status=nope")).toEqual(DEFAULT_QUERY);
    expect(queryFromSearch("?page=-2").page).toBe(1);
    expect(queryFromSearch(`?q=${"x".repeat(500)}`).search_content).toHaveLength(100);
  });
});

describe("the return path after login", () => {
  it("accepts this server's dashboards only", () => {
    expect(returnPath("?next=%2Fvj%2Fp1%2F12%2F")).toBe("/vj/p1/12/");
    expect(returnPath("?next=/vj/p1/12/%3Ftab=x")).toBe("/vj/p1/12/?tab=x");
    expect(returnPath("?next=https://evil.example/")).toBeNull();
    expect(returnPath("?next=//evil.example/vj/p/1/")).toBeNull();
    expect(returnPath("?next=/vj/p1/12/..//evil")).toBeNull();
    expect(returnPath("?next=/vj/p1/12/\\evil")).toBeNull();
    expect(returnPath("?next=javascript:alert(1)")).toBeNull();
    expect(returnPath("")).toBeNull();
  });
});
