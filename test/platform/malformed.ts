/** Malformed request bodies derived from an operation's documented JSON schema. */

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

export type Operation = {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};

export type OpenApiDoc = {
  openapi: string;
  paths: Record<string, Partial<Record<string, Operation>>>;
  components?: { schemas?: Record<string, Schema> };
};

function resolve(schema: Schema | undefined, doc: OpenApiDoc, depth = 0): Schema {
  if (!schema || depth > 10) return {};
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop()!;
    return resolve(doc.components?.schemas?.[name], doc, depth + 1);
  }
  const variants = schema.allOf ?? schema.anyOf ?? schema.oneOf;
  if (!schema.properties && variants) {
    const merged: Schema = { type: "object", properties: {} };
    for (const v of variants)
      Object.assign(merged.properties!, resolve(v, doc, depth + 1).properties);
    return merged;
  }
  return schema;
}

/** A value of the wrong type for a property's schema. */
function wrongType(schema: Schema, doc: OpenApiDoc): unknown {
  const s = resolve(schema, doc);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "string":
      return 12345;
    case "number":
    case "integer":
      return "not-a-number";
    case "boolean":
      return "yes";
    case "array":
      return { not: "an array" };
    case "object":
      return "not-an-object";
    default:
      return { unexpected: [1, "two", null] };
  }
}

const json = (label: string, body: string) => ({
  label,
  init: { headers: { "content-type": "application/json" }, body },
});

function nested(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

export function malformedBodies(op: Operation, doc: OpenApiDoc) {
  const schema = resolve(op.requestBody?.content?.["application/json"]?.schema, doc);
  const props = Object.entries(schema.properties ?? {});
  const each = (value: (s: Schema) => unknown) =>
    JSON.stringify(Object.fromEntries(props.map(([k, s]) => [k, value(s)])));
  const bodies = [
    { label: "none", init: {} as RequestInit },
    json("empty", ""),
    json("truncated", '{"a": '),
    json("array", "[]"),
    json("null", "null"),
    json("number", "123"),
    json("string", '"text"'),
    json("deep nesting", nested(400)),
    json("proto pollution", '{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}'),
    { label: "text/plain", init: { headers: { "content-type": "text/plain" }, body: "hello" } },
    {
      label: "form",
      init: { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=b&c=d" },
    },
    {
      label: "binary",
      init: {
        headers: { "content-type": "application/octet-stream" },
        body: new Uint8Array([0, 255, 1]),
      },
    },
  ];
  if (props.length > 0) {
    bodies.push(
      json(
        "wrong types",
        each((s) => wrongType(s, doc)),
      ),
    );
    bodies.push(
      json(
        "nulls",
        each(() => null),
      ),
    );
    const huge = Math.floor(800_000 / props.length);
    bodies.push(
      json(
        "huge strings",
        each(() => "x".repeat(huge)),
      ),
    );
    bodies.push(
      json(
        "unicode",
        each(() => "\u0000\ud800 \u202e <script>' OR 1=1 --"),
      ),
    );
    bodies.push(
      json(
        "huge numbers",
        each(() => 1e308),
      ),
    );
    bodies.push(
      json(
        "negative",
        each(() => -1),
      ),
    );
  }
  return bodies;
}
