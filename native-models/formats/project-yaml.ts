// taming / OmegaConf `project.yaml` files, read and written with the `yaml` package. Reading uses YAML 1.2's
// core schema (so `1e-8`, which OmegaConf's loader also reads as a float, is a number); the value must be plain
// data (mappings with string keys, sequences, scalars). Writing keeps floats readable by PyYAML (YAML 1.1),
// which takes `1e-08` without a dot for a string: such floats are written `1.0e-8`.

import { Document, isScalar, parse, visit, type ScalarTag } from 'yaml';

export type YamlValue = null | boolean | number | string | YamlValue[] | { [key: string]: YamlValue };

export class YamlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlError';
  }
}

/** Plain data only: mappings, lists and scalars (the core schema yields nothing else; a guard for what parse may add). */
function checkPlain(v: unknown, path: string): YamlValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x, i) => checkPlain(x, `${path}[${i}]`));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: { [key: string]: YamlValue } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = checkPlain(x, path ? `${path}.${k}` : k);
    return out;
  }
  throw new YamlError(`${path || 'the document'}: ${Object.prototype.toString.call(v)} is not plain YAML data (mappings, lists, strings, numbers, booleans, null)`);
}

/** Parses one YAML document; a syntax error, several documents or an alias bomb end in a YamlError with the line. */
export function parseYaml(text: string): YamlValue {
  let value: unknown;
  try {
    // maxAliasCount bounds alias expansion ("billion laughs"); taming configs use no aliases at all.
    value = parse(text, { schema: 'core', uniqueKeys: true, maxAliasCount: 100, prettyErrors: true });
  } catch (e) {
    throw new YamlError(`invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return checkPlain(value ?? null, '');
}

/** A float PyYAML reads back as a float: with a dot before the exponent. */
function pyyamlFloat(v: number): string {
  if (Number.isNaN(v)) return '.nan';
  if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
  const s = String(v);
  return s.includes('e') && !s.includes('.') ? s.replace('e', '.0e') : s;
}

const PYYAML_FLOAT: ScalarTag = {
  identify: (v) => typeof v === 'number' && !Number.isInteger(v),
  default: true,
  tag: 'tag:yaml.org,2002:float',
  test: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/,
  resolve: (s) => Number.parseFloat(s),
  stringify: (node) => pyyamlFloat(isScalar(node) ? Number(node.value) : Number(node)),
};

/** Block-style YAML; lists of scalars are written in flow style, as taming's configs are. */
export function toYaml(value: YamlValue): string {
  const doc = new Document(value, { customTags: (tags) => [PYYAML_FLOAT, ...tags] });
  visit(doc, {
    Seq(_key, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
