/** The Quilt core library: everything the quilt-mcp tools need, by module. */

export * from './aws-sdk.js';
export type { ByteSource } from './byte-source.js';
export * from './codepoint.js';
export * from './file-hash.js';
export * from './json-parse.js';
export * from './json-value.js';
export * from './keyed-mutex.js';
export * from './limit.js';
export * from './line-reader.js';
export * from './local-storage.js';
export * from './manifest.js';
export * from './process-owner.js';
export * from './python-json.js';
export * from './registry.js';
export type { ConditionalWriteMode, S3Storage } from './s3-storage.js';
export * from './state-token.js';
export * from './storage.js';
export * from './top-hash.js';
export * from './walk-order.js';
