/** The `PrometheusMetric` collector: the text exposition format and an endpoint scraper. */
export {
  parseExposition,
  parseSampleLine,
  parseSelector,
  sampleMatches,
  type PrometheusExposition,
  type PrometheusSample,
} from './exposition.js';
export { PrometheusScraper, type PrometheusScraperOptions } from './prometheus-scraper.js';
export { formatMetricValue } from './format.js';
