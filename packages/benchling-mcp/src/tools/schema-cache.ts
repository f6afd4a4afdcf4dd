/**
 * The MCP server is stateless: every request builds a fresh McpServer and registers every tool, and `tools/list`
 * converts each tool's zod schemas to JSON Schema again, about 1 ms per tool. The schemas never change, so the
 * conversion is done once per schema and target and copied out from then on. It hooks in where the SDK asks
 * for the conversion (Standard Schema's `~standard.jsonSchema`, which zod implements and lets callers replace).
 */
interface JsonSchemaConverter {
  input: (options: { target: string }) => Record<string, unknown>;
  output: (options: { target: string }) => Record<string, unknown>;
}

interface StandardProps {
  jsonSchema?: JsonSchemaConverter;
  [key: string]: unknown;
}

const done = new WeakSet<object>();

export function cacheJsonSchema(schema: object): void {
  if (done.has(schema)) return;
  const holder = schema as { '~standard'?: StandardProps };
  const std = holder['~standard'];
  const convert = std?.jsonSchema;
  if (!std || !convert || typeof convert.input !== 'function' || typeof convert.output !== 'function') return;
  const memo = (io: 'input' | 'output') => {
    const cache = new Map<string, Record<string, unknown>>();
    return (options: { target: string }) => {
      const key = JSON.stringify(options ?? {});
      let json = cache.get(key);
      if (!json) {
        json = convert[io](options);
        cache.set(key, json);
      }
      // A copy each time: whoever receives it may add to it.
      return structuredClone(json);
    };
  };
  holder['~standard'] = { ...std, jsonSchema: { input: memo('input'), output: memo('output') } };
  done.add(schema);
}
