export { upgradeOpset, MIN_SOURCE_OPSET } from './upgrade.js';
export { formatUpgradeBlocks, formatUpgradeLine } from './format.js';
export { MAX_TARGET_OPSET } from './op-versions.js';
export { rewriteAdapters } from './registry.js';
export type { Adapter, StepOutcome, UpgradeBlock, UpgradeChange, UpgradeContext, UpgradeOptions, UpgradeReport } from './types.js';
export { assertPlanFitsOpset, mapUsesSixteenBit, upgradeForQuantization, type QuantizationUpgrade } from './for-quantization.js';
