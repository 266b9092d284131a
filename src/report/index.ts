/** Reports: plain-data summaries of models and runs, console tables, and the SVG chart. */
export { summarizeModel, describeType, type ModelSummary } from './summary.js';
export { statisticsFromGraph, statisticsFromPlan, totals, PRECISION_COLUMNS, type PrecisionColumn, type PrecisionStatistics } from './statistics.js';
export { formatTable } from './table.js';
export { formatModelSummary } from './format-summary.js';
export { formatStatistics, formatMegabytes, hasReducedPrecision } from './format-statistics.js';
export { formatQuantizeSummary, formatSizeChange, type QuantizeSummary } from './format-quantize.js';
export {
  AUTO_REPORT_FORMAT,
  AUTO_REPORT_VERSION,
  buildAutoReport,
  describeTarget,
  layersBySensitivity,
  parseAutoReport,
  type AutoReport,
  type AutoReportInput,
  type ReportLayer,
  type ReportMetrics,
  type ReportTarget,
} from './auto-report.js';
export { formatAutoReport, formatLayerTable, formatMetric, precisionLabel } from './format-auto-report.js';
export { sensitivityChartSvg, type ChartInput } from './svg-chart.js';
