/**
 * Debiased exponential moving average, the smoothing TensorBoard's scalar charts apply.
 *
 * With weight w in [0, 1): ema_i = w * ema_{i-1} + (1 - w) * y_i, starting from ema = 0, and the
 * start-up bias towards 0 is removed by dividing by (1 - w^n), n the count of finite values seen.
 * Non-finite values (NaN, ±Inf) are passed through unchanged and do not feed the average. A
 * series whose finite values are all equal is returned unchanged (no floating-point wobble).
 */
export function smoothDebiasedEma(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (w === 0 || values.length === 0) return values.slice();
  const firstFinite = values.find(Number.isFinite);
  if (firstFinite === undefined || values.every((v) => !Number.isFinite(v) || v === firstFinite)) {
    return values.slice();
  }
  const out = new Array<number>(values.length);
  let accumulated = 0;
  let finiteSeen = 0;
  for (let i = 0; i < values.length; i++) {
    const y = values[i] as number;
    if (!Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    accumulated = accumulated * w + (1 - w) * y;
    finiteSeen++;
    out[i] = accumulated / (1 - Math.pow(w, finiteSeen));
  }
  return out;
}
