export type { CalibrationSource, Feed, ModelInputSpec, SampleSpec } from './types.js';
export { NpyFile, NpyReader, readNpy, readNpySync } from './npy-file.js';
export type { NpyHeader } from './npy-format.js';
export { encodeNpy, writeNpy, type WriteNpyOptions } from './npy-writer.js';
export { canConvert, float16ToNumber, toModelType } from './convert.js';
export { npyDirectorySource, npyFileSource, type NpySourceOptions } from './npy-directory.js';
export { imageFolderSource, listImages, type ImageFolderOptions } from './image-folder.js';
export type { ImageLayout, ImagePreprocess, Interpolation, ResizeMode } from './image-preprocess.js';
export {
  manifestSource,
  parseManifest,
  type ManifestSourceOptions,
  sourceFromManifest,
  type CalibrationManifest,
  type ManifestImages,
  type ManifestInput,
  type ManifestNpyFile,
  type ManifestNpyFiles,
} from './manifest.js';
export { iterableSource, type FeedIterable, type IterableSourceOptions } from './iterable.js';
export { DIRECTORY_MANIFEST, openCalibrationSource, type CalibrationData, type OpenCalibrationOptions } from './open.js';
export { validateAgainstModelInputs } from './validate.js';
