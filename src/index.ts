/** mixq public API. */
export * from './errors.js';
export { loadModel, loadModelFromBytes, saveModel, serializeModel, type LoadOptions, type SaveOptions } from './onnx/index.js';
export { Model, Graph, Node, Value, Tensor, cloneModel, type DataType, type HostTensor } from './ir/index.js';
export { ModelSession, type Feeds } from './runtime/index.js';
export { quantize, type QuantizeResult } from './api/quantize.js';
export type { QuantizeConfig, CalibrationConfig, ActivationType, WeightType, ProgressEvent } from './api/config.js';
export type { MixedPrecisionTensor, QuantPlan, TensorPlan, TensorPrecision } from './qdq/types.js';
export { rangesToJson, loadRangesFile, type Range, type CalibrationMethod } from './calibration/ranges.js';
export type { CalibrationSource } from './calibration/sources/types.js';
export { npyDirectorySource } from './calibration/sources/npy-directory.js';
export { iterableSource } from './calibration/sources/iterable.js';
export { summarizeModel } from './report/summary.js';
export { statisticsFromGraph, statisticsFromPlan, type PrecisionStatistics } from './report/statistics.js';
export { autoMixedPrecision, type AutoMixedPrecisionOptions, type AutoMixedPrecisionResult } from './api/auto-mixed-precision.js';
export type { Target, EvaluateFunction, ModelHandle } from './search/targets.js';
export type { MetricName, OutputMetrics } from './search/metrics.js';
export type { CandidateSelection } from './search/candidates.js';
export { openCalibrationSource, manifestSource, imageFolderSource, readNpy, writeNpy } from './calibration/sources/index.js';
