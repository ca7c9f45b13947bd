// A small YAML subset, enough for taming / OmegaConf `project.yaml` files: block mappings and sequences
// (including PyYAML's indentless "- item" lists), flow [..] and {..} collections, plain / single / double
// quoted scalars, ints, floats (4.5e-06), booleans, null and comments. Anchors, tags, multi-document
// streams and block scalars (| >) are rejected with a clear error. Also a matching emitter.

export type YamlValue = null | boolean | number | string | YamlValue[] | { [key: string]: YamlValue };

export class YamlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlError';
  }
}

interface Line {
  indent: number;
  text: string;
  no: number;
}

function stripComment(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = null;
    } else if (c === "'" || c === '"') {
      if (i === 0 || /[\s[{,:-]/.test(s[i - 1])) q = c;
    } else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) {
      return s.slice(0, i);
    }
  }
  return s;
}

function lex(src: string): Line[] {
  const out: Line[] = [];
  src.split(/\r?\n/).forEach((raw, i) => {
    if (/^\s*\t/.test(raw)) throw new YamlError(`line ${i + 1}: tabs are not allowed for indentation in YAML`);
    const text = stripComment(raw).replace(/\s+$/, '');
    if (!text.trim()) return;
    if (text === '---' || text === '...') {
      if (out.length === 0 && text === '---') return;
      throw new YamlError(`line ${i + 1}: multi-document YAML is not supported`);
    }
    out.push({ indent: text.length - text.trimStart().length, text: text.trim(), no: i + 1 });
  });
  return out;
}

/** Find the "key: value" separator outside quotes/brackets; -1 when the line is not a mapping entry. */
function findColon(s: string): number {
  let q: string | null = null;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = null;
      continue;
    }
    if ((c === "'" || c === '"') && i === 0) q = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ':' && depth === 0 && (i === s.length - 1 || s[i + 1] === ' ')) return i;
  }
  return -1;
}

function unquoteKey(k: string, no: number): string {
  const t = k.trim();
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))) {
    const v = parseScalar(t, no);
    return String(v);
  }
  return t;
}

function parseScalar(s: string, no: number): YamlValue {
  const t = s.trim();
  if (t === '' || t === '~' || t === 'null' || t === 'Null' || t === 'NULL') return null;
  if (/^(true|True|TRUE)$/.test(t)) return true;
  if (/^(false|False|FALSE)$/.test(t)) return false;
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) throw new YamlError(`line ${no}: unterminated single-quoted string`);
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (t.startsWith('"')) {
    if (!t.endsWith('"') || t.length < 2) throw new YamlError(`line ${no}: unterminated double-quoted string`);
    try {
      return JSON.parse(t) as string;
    } catch {
      throw new YamlError(`line ${no}: unsupported escape in double-quoted string ${t}`);
    }
  }
  if (t.startsWith('[') || t.startsWith('{')) {
    const p = { s: t, i: 0 };
    const v = parseFlow(p, no);
    if (p.s.slice(p.i).trim()) throw new YamlError(`line ${no}: unexpected text after flow collection: ${p.s.slice(p.i)}`);
    return v;
  }
  if (/^[&*!|>]/.test(t)) throw new YamlError(`line ${no}: YAML anchors, aliases, tags and block scalars are not supported (${t})`);
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(t)) return Number(t.replace(/_/g, ''));
  if (/^[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t.replace(/_/g, ''));
  if (/^[-+]?\.(inf|Inf|INF)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(t)) return NaN;
  return t;
}

function parseFlow(p: { s: string; i: number }, no: number): YamlValue {
  const ws = (): void => {
    while (p.i < p.s.length && p.s[p.i] === ' ') p.i++;
  };
  const item = (stops: string): string => {
    let q: string | null = null;
    const start = p.i;
    while (p.i < p.s.length) {
      const c = p.s[p.i];
      if (q) {
        if (c === q) q = null;
      } else if (c === "'" || c === '"') q = c;
      else if (stops.includes(c)) break;
      p.i++;
    }
    return p.s.slice(start, p.i);
  };
  ws();
  const open = p.s[p.i];
  if (open === '[') {
    p.i++;
    const arr: YamlValue[] = [];
    for (;;) {
      ws();
      if (p.s[p.i] === ']') {
        p.i++;
        return arr;
      }
      if (p.s[p.i] === '[' || p.s[p.i] === '{') arr.push(parseFlow(p, no));
      else arr.push(parseScalar(item(',]'), no));
      ws();
      if (p.s[p.i] === ',') p.i++;
      else if (p.s[p.i] !== ']') throw new YamlError(`line ${no}: malformed flow sequence`);
    }
  }
  if (open === '{') {
    p.i++;
    const obj: { [key: string]: YamlValue } = {};
    for (;;) {
      ws();
      if (p.s[p.i] === '}') {
        p.i++;
        return obj;
      }
      const key = unquoteKey(item(':,}'), no);
      if (p.s[p.i] !== ':') throw new YamlError(`line ${no}: malformed flow mapping (missing ':' after ${key})`);
      p.i++;
      ws();
      obj[key] = p.s[p.i] === '[' || p.s[p.i] === '{' ? parseFlow(p, no) : parseScalar(item(',}'), no);
      ws();
      if (p.s[p.i] === ',') p.i++;
      else if (p.s[p.i] !== '}') throw new YamlError(`line ${no}: malformed flow mapping`);
    }
  }
  throw new YamlError(`line ${no}: expected a flow collection`);
}

/** Parse a YAML document (the subset described above). */
export function parseYaml(src: string): YamlValue {
  const lines = lex(src);
  let i = 0;
  const isSeqItem = (l: Line): boolean => l.text === '-' || l.text.startsWith('- ');

  const parseNode = (indent: number): YamlValue => {
    const l = lines[i];
    return isSeqItem(l) ? parseSeq(indent) : parseMap(indent);
  };

  const parseValueAfter = (rest: string, parentIndent: number, no: number, allowIndentlessSeq: boolean): YamlValue => {
    if (rest.trim() !== '') return parseScalar(rest, no);
    const next = lines[i];
    if (next && next.indent > parentIndent) return parseNode(next.indent);
    if (next && allowIndentlessSeq && next.indent === parentIndent && isSeqItem(next)) return parseSeq(parentIndent);
    return null;
  };

  const parseMap = (indent: number): { [key: string]: YamlValue } => {
    const obj: { [key: string]: YamlValue } = {};
    while (i < lines.length && lines[i].indent === indent && !isSeqItem(lines[i])) {
      const l = lines[i];
      const c = findColon(l.text);
      if (c < 0) throw new YamlError(`line ${l.no}: expected "key: value", got "${l.text}"`);
      const key = unquoteKey(l.text.slice(0, c), l.no);
      i++;
      obj[key] = parseValueAfter(l.text.slice(c + 1), indent, l.no, true);
    }
    if (i < lines.length && lines[i].indent > indent) throw new YamlError(`line ${lines[i].no}: unexpected indentation`);
    return obj;
  };

  const parseSeq = (indent: number): YamlValue[] => {
    const arr: YamlValue[] = [];
    while (i < lines.length && lines[i].indent === indent && isSeqItem(lines[i])) {
      const l = lines[i];
      const rest = l.text === '-' ? '' : l.text.slice(2);
      if (rest.trim() && findColon(rest.trim()) >= 0 && !/^[[{'"]/.test(rest.trim())) {
        // "- key: value" starts a mapping whose keys sit at indent + 2
        const inner = indent + 2 + (rest.length - rest.trimStart().length);
        lines[i] = { indent: inner, text: rest.trim(), no: l.no };
        arr.push(parseMap(inner));
      } else {
        i++;
        arr.push(parseValueAfter(rest, indent, l.no, false));
      }
    }
    return arr;
  };

  if (lines.length === 0) return null;
  const v = parseNode(lines[0].indent);
  if (i < lines.length) throw new YamlError(`line ${lines[i].no}: unexpected content "${lines[i].text}"`);
  return v;
}

function scalarToYaml(v: null | boolean | number | string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    const s = String(v);
    // PyYAML (YAML 1.1) reads "1e-08" as a string: floats need a dot
    return !Number.isInteger(v) && !s.includes('.') ? s.replace('e', '.0e') : s;
  }
  const plainOk = v !== '' && /^[A-Za-z_./][\w./-]*$/.test(v) && typeof parseScalar(v, 0) === 'string';
  return plainOk ? v : `'${v.replace(/'/g, "''")}'`;
}

/** Emit block-style YAML (lists of scalars in flow style). */
export function toYaml(value: YamlValue, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (value === null || typeof value !== 'object') return `${pad}${scalarToYaml(value)}\n`;
  if (Array.isArray(value)) {
    if (value.every((x) => x === null || typeof x !== 'object')) {
      return `${pad}[${value.map((x) => scalarToYaml(x as null | boolean | number | string)).join(', ')}]\n`;
    }
    return value.map((x) => `${pad}-\n${toYaml(x, indent + 2)}`).join('');
  }
  let out = '';
  for (const [k, v] of Object.entries(value)) {
    const key = scalarToYaml(k);
    if (v !== null && typeof v === 'object' && !(Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object'))) {
      if (Array.isArray(v) && v.length === 0) out += `${pad}${key}: []\n`;
      else if (!Array.isArray(v) && Object.keys(v).length === 0) out += `${pad}${key}: {}\n`;
      else out += `${pad}${key}:\n${toYaml(v, indent + 2)}`;
    } else {
      out += `${pad}${key}: ${toYaml(v, 0).trimEnd()}\n`;
    }
  }
  return out;
}
