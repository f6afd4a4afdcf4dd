/**
 * What the hashing and manifest readers consume: a Node Readable (without an encoding) or any async
 * iterable of byte chunks. Strings are accepted by the type only because Readable's iterator is typed
 * loosely; a string chunk is rejected at run time.
 */
export type ByteSource = AsyncIterable<Uint8Array | string>;
