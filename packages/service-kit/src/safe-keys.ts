import { z } from 'zod';

/**
 * Keys that name JavaScript's object machinery. `JSON.parse` makes them ordinary own keys, but a record schema
 * (zod's included) or any code that copies an object by assignment drops `__proto__` silently, or worse, sets a
 * prototype with it; `constructor` and `prototype` invite the same confusion further on.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const MAX_DEPTH = 64;

/** The path to the first reserved key in a JSON value, at any depth; undefined when there is none. */
export function reservedKeyPath(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (value === null || typeof value !== 'object' || path.length > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = reservedKeyPath(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (RESERVED_KEYS.has(key)) return [...path, key];
    const found = reservedKeyPath((value as Record<string, unknown>)[key], [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/**
 * A record-shaped argument (metadata, fields…) that refuses reserved keys at any depth with an error naming
 * the key, before the schema could drop them. The JSON Schema clients see is `schema`'s own.
 */
export function refuseReservedKeys<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, ctx) => {
    const found = reservedKeyPath(value);
    if (found) {
      ctx.issues.push({
        code: 'custom',
        message: `the key "${String(found.at(-1))}" is not allowed (a reserved JavaScript name); rename it`,
        path: found.slice(0, -1),
        input: value,
      });
    }
    return value;
  }, schema);
}
