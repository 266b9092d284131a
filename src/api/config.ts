import type { CalibrationMethod } from '../calibration/ranges.js';
import type { CalibrationSource } from '../calibration/sources/types.js';
import type { CollectorOptions } from '../calibration/collectors/index.js';
import type { MixedPrecisionTensor } from '../qdq/types.js';

export type ActivationType = 'int8' | 'uint8' | 'int16' | 'uint16';
export type WeightType = 'int8' | 'uint8' | 'int16';

/** Where calibration ranges come from. */
export type CalibrationConfig =
  | {
      readonly kind: 'data';
      /** A source from openCalibrationSource / npyDirectorySource / iterableSource ... */
      readonly source: CalibrationSource;
      readonly method?: CalibrationMethod;
      readonly batchSize?: number;
      /** Use at most this many samples. */
      readonly limit?: number;
      readonly collector?: CollectorOptions;
      /**
       * Bytes one calibration pass may take for activations (default 1 GiB). min/max is reduced
       * inside the graph in one pass (about what plain inference takes); histogram methods split
       * their tensors over passes to fit. The batch size comes down when a batch would not fit
       * (reported through onWarning). Node, onnxruntime and the model take memory on top.
       */
      readonly memoryBudgetBytes?: number;
      /** Histogram methods: at most this many tensors per pass, on top of the budget (min/max ignores it). */
      readonly tensorsPerPass?: number;
    }
  /** Ranges saved earlier (rangesToJson / --save-ranges), by tensor name. */
  | { readonly kind: 'ranges'; readonly ranges: ReadonlyMap<string, { min: number; max: number }> };

export interface QuantizeConfig {
  readonly calibration: CalibrationConfig;
  /** Global activation type (default int8). A16W8 = { activationType: 'int16', weightType: 'int8' }. */
  readonly activationType?: ActivationType;
  /** Global weight type (default int8). */
  readonly weightType?: WeightType;
  /** Per-channel weight scales (default true). */
  readonly perChannel?: boolean;
  /** Symmetric activation ranges (default false). */
  readonly symmetricActivations?: boolean;
  /** Symmetric weight ranges (default true). */
  readonly symmetricWeights?: boolean;
  /** Per-tensor precision: `{ Int8: [...], Int16: [...], BFloat16: [...], Float32: [...] }`. */
  readonly mixedPrecisionTensor?: MixedPrecisionTensor;
  /** Per-node precision by node name, same form. */
  readonly nodePrecision?: MixedPrecisionTensor;
  /** Per-node precision by op type, same form (e.g. `{ Float32: ['Softmax'] }`). */
  readonly opTypePrecision?: MixedPrecisionTensor;
  /** Quantize only these op types (default every op mixq has a handler for). */
  readonly opTypes?: readonly string[];
  /** Node names to leave float. */
  readonly excludeNodes?: readonly string[];
  /** Ops kept float unless listed here (LayerNormalization). */
  readonly quantizeOptional?: readonly string[];
  /** Make the ops left float BF16 after quantization (emulated Cast pairs; INT8/INT16/BF16/FP32). */
  readonly useBf16?: boolean;
  /**
   * Timed runs for the latency of the float and quantized models (onnxruntime CPU, default options,
   * 2 threads, batch 1, median). quantize() default 0 = bytes only; autoMixedPrecision default 20.
   */
  readonly latencyRuns?: number;
  /** Progress callback (calibration). */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Called with warnings (unsupported ops left float ...). Default: collected in the result only. */
  readonly onWarning?: (message: string) => void;
}

export interface ProgressEvent {
  readonly phase: 'calibration' | 'sensitivity' | 'search' | 'evaluation';
  readonly done: number;
  readonly total: number | undefined;
  readonly detail?: string;
}
