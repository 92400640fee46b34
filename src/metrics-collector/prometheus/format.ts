/** How a scraped number is written as a metric value. */

/** `NaN`, `+Inf` and `-Inf` as Prometheus writes them; other numbers in their shortest JS form. */
export function formatMetricValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
