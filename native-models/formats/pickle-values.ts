// The values a data-only pickle produces (native-models/formats/pickle-vm.ts): inert Python globals, tuples,
// sets, dicts with any hashable keys, stubs for objects of classes not on the allow-list, and the two errors.

export class PickleFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleFormatError';
  }
}

export class UnsafePickleError extends Error {
  constructor(
    readonly global: string,
    opcode: string,
  ) {
    super(
      `refused to load: the pickle would call ${global} (${opcode}) — this file tries to run code when it is ` +
        `loaded (a malicious or tampered checkpoint). Nothing was executed. Do not open it with torch.load either.`,
    );
    this.name = 'UnsafePickleError';
  }
}

/** A reference to a Python global (`module.name`); never resolved to anything executable. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

export class PyTuple {
  constructor(readonly items: PickleValue[]) {}
}

export class PySet {
  constructor(
    readonly items: PickleValue[],
    readonly frozen: boolean,
  ) {}
}

/** Inert stand-in for an object of a class that is not on the allow-list. */
export class PyStub {
  state: PickleValue | undefined = undefined;
  readonly listItems: PickleValue[] = [];
  readonly dictItems: Array<[PickleValue, PickleValue]> = [];
  constructor(
    readonly cls: PyGlobal | PickleValue,
    readonly args: PickleValue[],
    readonly how: 'reduce' | 'newobj' | 'inst',
  ) {}
}

/** Values produced by allow-listed reconstructors (e.g. a lazily readable tensor). */
export interface PickleExtension {
  readonly pickleKind: string;
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PyTuple
  | PyDict
  | PySet
  | PyGlobal
  | PyStub
  | PickleExtension;

interface IdCounter {
  ids: WeakMap<object, number>;
  next: number;
}

function keyId(k: PickleValue, c: IdCounter): string {
  if (k === null) return 'N';
  switch (typeof k) {
    case 'string':
      return `s${k}`;
    case 'number':
      return `n${k}`;
    case 'bigint':
      return `n${k}`;
    case 'boolean':
      return k ? 'n1' : 'n0'; // Python: True == 1
  }
  if (k instanceof PyTuple) return `t(${k.items.map((i) => keyId(i, c)).join(',')})`;
  if (k instanceof PyGlobal) return `g${k.qualified}`;
  if (k instanceof Uint8Array) return `b${Buffer.from(k).toString('hex')}`;
  let id = c.ids.get(k as object);
  if (id === undefined) {
    id = ++c.next;
    c.ids.set(k as object, id);
  }
  return `o${id}`;
}

/** A Python dict (insertion-ordered; keys may be any hashable pickle value). */
export class PyDict {
  private readonly map = new Map<string, [PickleValue, PickleValue]>();
  private readonly ids: IdCounter = { ids: new WeakMap<object, number>(), next: 0 };
  /** Instance attributes set by BUILD (e.g. OrderedDict._metadata of a state_dict). */
  attrs: PickleValue | undefined = undefined;

  set(key: PickleValue, value: PickleValue): void {
    this.map.set(keyId(key, this.ids), [key, value]);
  }
  get(key: PickleValue): PickleValue | undefined {
    return this.map.get(keyId(key, this.ids))?.[1];
  }
  has(key: PickleValue): boolean {
    return this.map.has(keyId(key, this.ids));
  }
  get size(): number {
    return this.map.size;
  }
  entries(): IterableIterator<[PickleValue, PickleValue]> {
    return this.map.values();
  }
  keys(): PickleValue[] {
    return [...this.map.values()].map((e) => e[0]);
  }
}

export type Reconstructor = (args: PickleValue[], global: PyGlobal) => PickleValue;
