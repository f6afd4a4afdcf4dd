/** Quilt manifests: types, the streaming reader, the top-hash pass and the writer (see manifest-types.ts). */
export * from './manifest-reader.js';
export * from './manifest-top-hash.js';
export * from './manifest-types.js';
export * from './manifest-writer.js';
