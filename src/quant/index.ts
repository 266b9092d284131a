/** Quantization numerics on typed arrays: no graph, no runtime, no file system. */
export * from './types.js';
export { clamp, FLOAT32_MAX, FLOAT32_TINY, roundHalfEven } from './rounding.js';
export { channelLayout, forEachChannelRun, type ChannelLayout, type ChannelSpec } from './channels.js';
export { computeScaleZeroPoint, perChannelScaleZeroPoint, scaleZeroPointFromData, type PerChannelParams, type ScaleOptions, type ScaleZeroPoint } from './scale.js';
export { allocateQuantArray, dequantize, dequantizeValue, fakeQuantize, quantize, quantizeValue, type QuantArray, type QuantParam } from './fake-quant.js';
export { BIAS_CODE_LIMIT, biasScales, countInt32Saturated, fitWeightScalesToBias, quantizeBias, weightScaleForBias, type FittedWeightScales, type QuantizedBias } from './bias.js';
export { mapQuantizedValue, requantizeValues, rescaleChannelsForNarrow, rescaleForNarrow } from './narrow.js';
export { FLOAT16_MAX, fitsFloat16, float16BitsToFloat32, float16BitToFloat32, float32ToFloat16Bit, float32ToFloat16Bits, roundToFloat16, roundTripFloat16 } from './float16.js';
export { BFLOAT16_MAX, bfloat16BitsToFloat32, bfloat16BitToFloat32, float32ToBfloat16Bit, float32ToBfloat16Bits, roundToBfloat16, roundTripBfloat16 } from './bfloat16.js';
export { cosineSimilarity, l2Distance, minMax, mse, perChannelMinMax, sqnr, sumSquaredError, type MinMax } from './stats.js';
