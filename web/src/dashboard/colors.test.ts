import { beforeEach, describe, expect, it } from "vitest";
import { assignRunColors, hashName, resetRunColors, RUN_PALETTE, runColor, setRunColor } from "./colors";

// Names from the tbx_basic fixture plus the e2e run; "hostile" and "hparams_demo" hash to the
// same palette slot, which is what made two runs look alike.
const FIXTURE_RUNS = ["eval", "hostile", "hparams_demo", "hparams_demo/trial-1", "train", "train/lr/base", "train/lr/warm"];

describe("run colours", () => {
  beforeEach(() => resetRunColors());

  it("the fixture really holds a hash collision", () => {
    expect(hashName("hostile") % 20).toBe(hashName("hparams_demo") % 20);
  });

  it("gives distinct colours to runs whose names collide", () => {
    assignRunColors(FIXTURE_RUNS);
    const colours = FIXTURE_RUNS.map(runColor);
    expect(new Set(colours).size).toBe(FIXTURE_RUNS.length);
  });

  it("is the same for the same runs whatever order they are listed in", () => {
    assignRunColors(FIXTURE_RUNS);
    const first = FIXTURE_RUNS.map(runColor);
    resetRunColors();
    assignRunColors([...FIXTURE_RUNS].reverse());
    expect(FIXTURE_RUNS.map(runColor)).toEqual(first);
  });

  it("keeps a run's colour when other runs appear later", () => {
    assignRunColors(["train"]);
    const before = runColor("train");
    assignRunColors(["a", "b", "c", "train", "zzz"]);
    expect(runColor("train")).toBe(before);
  });
});

const rgb = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
function lab(hex: string): [number, number, number] {
  const [r, g, b] = rgb(hex).map(linear) as [number, number, number];
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
  const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
  const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}
const luminance = (hex: string) => {
  const [r, g, b] = rgb(hex).map(linear) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

describe("the palette and picked colours", () => {
  beforeEach(() => {
    window.localStorage.clear();
    resetRunColors();
  });

  it("20 colours, every pair clearly apart (ΔE76 ≥ 18), legible on the light and the dark background", () => {
    expect(new Set(RUN_PALETTE).size).toBe(20);
    for (let i = 0; i < RUN_PALETTE.length; i++) {
      for (let j = i + 1; j < RUN_PALETTE.length; j++) {
        const a = lab(RUN_PALETTE[i] as string);
        const b = lab(RUN_PALETTE[j] as string);
        const d = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
        expect(d, `${RUN_PALETTE[i]} vs ${RUN_PALETTE[j]}`).toBeGreaterThanOrEqual(18);
      }
      expect(contrast(RUN_PALETTE[i] as string, "#ffffff")).toBeGreaterThanOrEqual(2.4);
      expect(contrast(RUN_PALETTE[i] as string, "#15181e")).toBeGreaterThanOrEqual(4);
    }
  });

  it("gives 20 runs 20 different colours, whatever their names", () => {
    const runs = ["graph_run", "run_b", "run_001", "run_003", ...Array.from({ length: 16 }, (_, i) => `sweep/${i}`)];
    assignRunColors(runs);
    expect(new Set(runs.map(runColor)).size).toBe(20);
  });

  it("a picked colour wins, is kept per run name, and can be forgotten", () => {
    assignRunColors(["a", "b"]);
    const before = runColor("a");
    setRunColor("a", "#123456");
    expect(runColor("a")).toBe("#123456");
    resetRunColors(); // a new page: read back from the browser's storage
    expect(runColor("a")).toBe("#123456");
    setRunColor("a", "not a colour");
    expect(runColor("a")).toBe("#123456");
    setRunColor("a", null);
    assignRunColors(["a", "b"]);
    expect(runColor("a")).toBe(before);
  });
});
