// Run-time payload schemas: every API call's argument comes from an untrusted renderer or
// WebSocket client, so each method has a small schema that checks it before the service sees it.
// Deliberately tiny (in the spirit of tldraw's `T.object` validators): object, string, number,
// boolean, literal, array, optional, nullable, none — with errors that name the exact field.

export class PayloadError extends Error {
  constructor(
    /** Dotted path of the offending value, e.g. `params.libraryFolder`. */
    readonly at: string,
    /** What was expected there. */
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`${at} must be ${expected}, got ${describeValue(got)}`);
    this.name = 'PayloadError';
  }
}

export interface Schema<T> {
  /** Human description used in error messages, e.g. "a string". */
  readonly expected: string;
  /** Returns the checked (and for objects: copied, unknown-key-free) value or throws PayloadError. */
  parse(value: unknown, at?: string): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (undefined)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function schema<T>(expected: string, parse: (value: unknown, at: string) => T): Schema<T> {
  return { expected, parse: (value, at = 'value') => parse(value, at) };
}

export interface StringOptions {
  minLength?: number;
  maxLength?: number;
  /** Extra check: return null when fine, or what was expected (e.g. "an absolute path"). */
  check?: (value: string) => string | null;
}

export function string(options: StringOptions = {}): Schema<string> {
  const { minLength = 0, maxLength = 1_000_000 } = options;
  const expected = minLength > 0 ? 'a non-empty string' : 'a string';
  return schema(expected, (value, at) => {
    if (typeof value !== 'string') throw new PayloadError(at, expected, value);
    if (value.length < minLength) throw new PayloadError(at, `at least ${minLength} characters long`, value);
    if (value.length > maxLength) throw new PayloadError(at, `at most ${maxLength} characters long`, value);
    if (value.includes('\0')) throw new PayloadError(at, 'a string without NUL characters', value);
    const problem = options.check?.(value);
    if (problem) throw new PayloadError(at, problem, value);
    return value;
  });
}

export interface NumberOptions {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function number(options: NumberOptions = {}): Schema<number> {
  const kind = options.integer ? 'an integer' : 'a finite number';
  const range = [options.min !== undefined ? `>= ${options.min}` : '', options.max !== undefined ? `<= ${options.max}` : '']
    .filter(Boolean).join(' and ');
  const expected = range ? `${kind} ${range}` : kind;
  return schema(expected, (value, at) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new PayloadError(at, expected, value);
    if (options.integer && !Number.isInteger(value)) throw new PayloadError(at, expected, value);
    if (options.min !== undefined && value < options.min) throw new PayloadError(at, expected, value);
    if (options.max !== undefined && value > options.max) throw new PayloadError(at, expected, value);
    return value;
  });
}

export function boolean(): Schema<boolean> {
  return schema('true or false', (value, at) => {
    if (typeof value !== 'boolean') throw new PayloadError(at, 'true or false', value);
    return value;
  });
}

export function literal<const L extends readonly (string | number | boolean)[]>(...values: L): Schema<L[number]> {
  const expected = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return schema(expected, (value, at) => {
    if (!values.includes(value as L[number])) throw new PayloadError(at, expected, value);
    return value as L[number];
  });
}

export function array<T>(item: Schema<T>, options: { maxLength?: number } = {}): Schema<T[]> {
  const maxLength = options.maxLength ?? 100_000;
  const expected = `an array of ${item.expected}`;
  return schema(expected, (value, at) => {
    if (!Array.isArray(value)) throw new PayloadError(at, expected, value);
    if (value.length > maxLength) throw new PayloadError(at, `an array of at most ${maxLength} items`, value);
    return value.map((v, i) => item.parse(v, `${at}[${i}]`));
  });
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return schema(`${inner.expected} or nothing`, (value, at) => (value === undefined ? undefined : inner.parse(value, at)));
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return schema(`${inner.expected} or null`, (value, at) => (value === null ? null : inner.parse(value, at)));
}

/** For methods that take no argument: refuses anything but undefined. */
export function none(): Schema<undefined> {
  return schema('absent (this method takes no argument)', (value, at) => {
    if (value !== undefined) throw new PayloadError(at, 'absent (this method takes no argument)', value);
    return undefined;
  });
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A plain object with exactly these keys (optional ones may be absent). Unknown keys are refused,
 * so a typo in a field name is an error instead of a silently ignored field.
 */
export function object<S extends Shape>(shape: S): Schema<{ [K in keyof ObjectOf<S>]: ObjectOf<S>[K] }> {
  const keys = Object.keys(shape);
  const expected = `an object with ${keys.length ? `fields ${keys.join(', ')}` : 'no fields'}`;
  return schema(expected, (value, at) => {
    if (!isPlainObject(value)) throw new PayloadError(at, expected, value);
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(shape, key)) {
        throw new PayloadError(`${at}.${key}`, `absent (unknown field; allowed: ${keys.join(', ') || 'none'})`, value[key]);
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const parsed = shape[key]!.parse(value[key], `${at}.${key}`);
      if (parsed !== undefined) out[key] = parsed;
    }
    return out as { [K in keyof ObjectOf<S>]: ObjectOf<S>[K] };
  });
}
