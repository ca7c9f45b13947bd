// A data-only pickle virtual machine (protocols 0-5). It NEVER executes anything: GLOBAL/STACK_GLOBAL
// produce inert PyGlobal references; REDUCE/NEWOBJ/INST/OBJ call a reconstructor only when the global is on
// the caller's allow-list (pure TypeScript functions that build data), turn every other global into an inert
// PyStub object (so e.g. PyTorch Lightning's callback objects load harmlessly), and REFUSE with
// UnsafePickleError when the global is one that could run code (os.system, builtins.eval, subprocess.*, …).

// The value types live in pickle-values.ts, the allow/deny lists in pickle-safety.ts.

import { PickleFormatError, PyDict, PyGlobal, PySet, PyStub, PyTuple, UnsafePickleError } from './pickle-values';
import type { PickleValue, Reconstructor } from './pickle-values';
import { BUILTIN_RECONSTRUCTORS, describe, isDangerousGlobal, tupleItems } from './pickle-safety';

// The errors unpickle throws, for callers that catch them.
export { PickleFormatError, UnsafePickleError } from './pickle-values';

export interface UnpickleOptions {
  /** Allow-listed callables, keyed by `module.name`, merged over the built-in safe ones. */
  reconstructors?: ReadonlyMap<string, Reconstructor>;
  /** Resolves BINPERSID/PERSID ids (torch: storages). Without it, persistent ids are an error. */
  persistentLoad?: (pid: PickleValue) => PickleValue;
  /** Told the byte offset just past the STOP opcode (for streams of several pickles, e.g. torch's legacy format). */
  onStop?: (end: number) => void;
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Run the pickle in `data` and return its top-level value. */
export function unpickle(data: Uint8Array, options: UnpickleOptions = {}): PickleValue {
  const reconstructors = new Map(BUILTIN_RECONSTRUCTORS);
  for (const [k, v] of options.reconstructors ?? []) reconstructors.set(k, v);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  let stack: StackItem[] = [];
  const metastack: StackItem[][] = [];
  const memo = new Map<number, PickleValue>();

  const need = (n: number, what: string): void => {
    if (pos + n > buf.length) throw new PickleFormatError(`truncated pickle: ${what} needs ${n} bytes at byte ${pos} of ${buf.length}`);
  };
  const readLine = (what: string): string => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) throw new PickleFormatError(`truncated pickle: no newline after ${what} at byte ${pos}`);
    const s = buf.toString('latin1', pos, end);
    pos = end + 1;
    return s;
  };
  const bytes = (n: number, what: string): Buffer => {
    need(n, what);
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const u64 = (what: string): number => {
    need(8, what);
    const v = buf.readBigUInt64LE(pos);
    pos += 8;
    if (v > BigInt(buf.length)) throw new PickleFormatError(`corrupt pickle: ${what} length ${v} exceeds the data`);
    return Number(v);
  };
  const pop = (): PickleValue => {
    if (stack.length === 0) throw new PickleFormatError(`corrupt pickle: stack underflow at byte ${pos}`);
    const v = stack.pop() as StackItem;
    if (v === MARK) throw new PickleFormatError(`corrupt pickle: unexpected MARK at byte ${pos}`);
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PickleFormatError(`corrupt pickle: empty stack at byte ${pos}`);
    return v;
  };
  const popMark = (): PickleValue[] => {
    const items = stack as PickleValue[];
    const prev = metastack.pop();
    if (!prev) throw new PickleFormatError(`corrupt pickle: no MARK to pop at byte ${pos}`);
    stack = prev;
    return items;
  };
  const memoGet = (i: number): PickleValue => {
    const v = memo.get(i);
    if (v === undefined) throw new PickleFormatError(`corrupt pickle: memo ${i} is not defined (byte ${pos})`);
    return v;
  };
  const asPyInt = (v: bigint): number | bigint =>
    v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  const decodeLong = (b: Buffer): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return asPyInt(v);
  };
  const call = (callee: PickleValue, args: PickleValue[], opcode: string, how: PyStub['how']): PickleValue => {
    // pickle protocols < 4 spell a nested global (Outer.Inner) as getattr(Outer, 'Inner'): resolve that to an
    // inert reference; any other use of getattr (dunders, non-globals) is the classic exploit and is refused
    if (callee instanceof PyGlobal && (callee.module === 'builtins' || callee.module === '__builtin__') && callee.name === 'getattr') {
      const [owner, attr] = args;
      if (
        args.length === 2 &&
        owner instanceof PyGlobal &&
        !isDangerousGlobal(owner.module, owner.name) &&
        typeof attr === 'string' &&
        /^[A-Za-z][A-Za-z0-9_]*$/.test(attr)
      ) {
        return new PyGlobal(owner.module, `${owner.name}.${attr}`);
      }
      throw new UnsafePickleError(callee.qualified, opcode);
    }
    if (callee instanceof PyGlobal && isDangerousGlobal(callee.module, callee.name)) {
      throw new UnsafePickleError(callee.qualified, opcode);
    }
    // a dangerous callable passed as an argument (functools.partial(os.system, …), copyreg._reconstructor, …)
    for (const a of args) {
      if (a instanceof PyGlobal && isDangerousGlobal(a.module, a.name)) throw new UnsafePickleError(a.qualified, `${opcode} argument`);
    }
    if (callee instanceof PyGlobal) {
      const r = reconstructors.get(callee.qualified);
      if (r) return r(args, callee);
    }
    // unknown class or a call on a non-global (e.g. an earlier stub): an inert stub, nothing is called
    if (!(callee instanceof PyGlobal || callee instanceof PyStub)) {
      throw new PickleFormatError(`corrupt pickle: ${opcode} calls ${describe(callee)}, which is not callable`);
    }
    return new PyStub(callee, args, how);
  };
  const setItem = (target: PickleValue, k: PickleValue, v: PickleValue): void => {
    if (Array.isArray(k) || k instanceof PyDict || (k instanceof PySet && !k.frozen)) {
      throw new PickleFormatError(`corrupt pickle: ${describe(k)} cannot be a dict key (unhashable) at byte ${pos}`);
    }
    if (target instanceof PyDict) target.set(k, v);
    else if (target instanceof PyStub) target.dictItems.push([k, v]);
    else throw new PickleFormatError(`corrupt pickle: SETITEM on ${describe(target)}`);
  };
  const append = (target: PickleValue, v: PickleValue): void => {
    if (Array.isArray(target)) target.push(v);
    else if (target instanceof PyStub) target.listItems.push(v);
    else if (target instanceof PySet) target.items.push(v);
    else throw new PickleFormatError(`corrupt pickle: APPEND on ${describe(target)}`);
  };
  const persistent = (pid: PickleValue): PickleValue => {
    if (!options.persistentLoad) throw new PickleFormatError('pickle uses persistent ids but no loader was given');
    return options.persistentLoad(pid);
  };

  while (pos < buf.length) {
    const op = buf[pos++]!; // pos < buf.length
    switch (op) {
      case 0x80: // PROTO
        need(1, 'PROTO');
        if (buf[pos]! > 5) throw new PickleFormatError(`unsupported pickle protocol ${buf[pos]}`);
        pos += 1;
        break;
      case 0x95: {
        // FRAME: transparent, but a frame cannot be longer than what is left of the data
        need(8, 'FRAME');
        const frame = buf.readBigUInt64LE(pos);
        pos += 8;
        if (frame > BigInt(buf.length - pos)) throw new PickleFormatError(`truncated pickle: FRAME of ${frame} bytes at byte ${pos - 9} but only ${buf.length - pos} remain`);
        break;
      }
      case 0x2e: {
        // STOP
        const v = pop();
        options.onStop?.(pos);
        return v;
      }
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0) throw new PickleFormatError('corrupt pickle: POP on empty stack');
        if (stack[stack.length - 1] === MARK) popMark();
        else stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4, 'BININT');
        stack.push(buf.readInt32LE(pos));
        pos += 4;
        break;
      case 0x4b: // BININT1
        need(1, 'BININT1');
        stack.push(buf[pos++]!);
        break;
      case 0x4d: // BININT2
        need(2, 'BININT2');
        stack.push(buf.readUInt16LE(pos));
        pos += 2;
        break;
      case 0x8a: {
        // LONG1
        need(1, 'LONG1');
        const n = buf[pos++]!; // need(1) above
        stack.push(decodeLong(bytes(n, 'LONG1')));
        break;
      }
      case 0x8b: {
        // LONG4
        need(4, 'LONG4');
        const n = buf.readInt32LE(pos);
        pos += 4;
        if (n < 0) throw new PickleFormatError('corrupt pickle: negative LONG4 length');
        stack.push(decodeLong(bytes(n, 'LONG4')));
        break;
      }
      case 0x49: {
        // INT (text)
        const s = readLine('INT');
        if (s === '01') stack.push(true);
        else if (s === '00') stack.push(false);
        else stack.push(asPyInt(BigInt(s)));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(asPyInt(BigInt(readLine('LONG').replace(/L$/, ''))));
        break;
      case 0x46: // FLOAT (text)
        stack.push(Number.parseFloat(readLine('FLOAT')));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8, 'BINFLOAT');
        stack.push(buf.readDoubleBE(pos));
        pos += 8;
        break;
      case 0x58: {
        // BINUNICODE
        need(4, 'BINUNICODE');
        const n = buf.readUInt32LE(pos);
        pos += 4;
        stack.push(bytes(n, 'BINUNICODE').toString('utf8'));
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        need(1, 'SHORT_BINUNICODE');
        const n = buf[pos++]!; // need(1) above
        stack.push(bytes(n, 'SHORT_BINUNICODE').toString('utf8'));
        break;
      }
      case 0x8d: // BINUNICODE8
        stack.push(bytes(u64('BINUNICODE8'), 'BINUNICODE8').toString('utf8'));
        break;
      case 0x56: // UNICODE (raw-unicode-escape line)
        stack.push(readLine('UNICODE').replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))));
        break;
      case 0x53: {
        // STRING (quoted repr)
        const s = readLine('STRING');
        stack.push(s.slice(1, -1));
        break;
      }
      case 0x54: {
        // BINSTRING
        need(4, 'BINSTRING');
        const n = buf.readInt32LE(pos);
        pos += 4;
        stack.push(bytes(n, 'BINSTRING').toString('latin1'));
        break;
      }
      case 0x55: {
        // SHORT_BINSTRING
        need(1, 'SHORT_BINSTRING');
        const n = buf[pos++]!; // need(1) above
        stack.push(bytes(n, 'SHORT_BINSTRING').toString('latin1'));
        break;
      }
      case 0x42: {
        // BINBYTES
        need(4, 'BINBYTES');
        const n = buf.readUInt32LE(pos);
        pos += 4;
        stack.push(new Uint8Array(bytes(n, 'BINBYTES')));
        break;
      }
      case 0x43: {
        // SHORT_BINBYTES
        need(1, 'SHORT_BINBYTES');
        const n = buf[pos++]!; // need(1) above
        stack.push(new Uint8Array(bytes(n, 'SHORT_BINBYTES')));
        break;
      }
      case 0x8e: // BINBYTES8
        stack.push(new Uint8Array(bytes(u64('BINBYTES8'), 'BINBYTES8')));
        break;
      case 0x96: // BYTEARRAY8
        stack.push(new Uint8Array(bytes(u64('BYTEARRAY8'), 'BYTEARRAY8')));
        break;
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        throw new PickleFormatError('pickle uses out-of-band buffers (protocol 5 NEXT_BUFFER), which checkpoints never do');
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new PySet([], false));
        break;
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b, c]));
        break;
      }
      case 0x74: {
        // TUPLE (popMark replaces `stack`: evaluate it before pushing)
        const t = new PyTuple(popMark());
        stack.push(t);
        break;
      }
      case 0x6c: {
        // LIST
        const l = popMark();
        stack.push(l);
        break;
      }
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new PyDict();
        for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i]!, items[i + 1]!);
        stack.push(d);
        break;
      }
      case 0x91: {
        // FROZENSET
        const f = new PySet(popMark(), true);
        stack.push(f);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof PySet)) throw new PickleFormatError(`corrupt pickle: ADDITEMS on ${describe(s)}`);
        s.items.push(...items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const t = top();
        for (const v of items) append(t, v);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItem(top(), k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const t = top();
        if (items.length % 2 !== 0) throw new PickleFormatError(`corrupt pickle: SETITEMS with an odd number of items (${items.length}) at byte ${pos}`);
        for (let i = 0; i + 1 < items.length; i += 2) setItem(t, items[i]!, items[i + 1]!);
        break;
      }
      case 0x67: // GET
        stack.push(memoGet(Number.parseInt(readLine('GET'), 10)));
        break;
      case 0x68: // BINGET
        need(1, 'BINGET');
        stack.push(memoGet(buf[pos++]!));
        break;
      case 0x6a: // LONG_BINGET
        need(4, 'LONG_BINGET');
        stack.push(memoGet(buf.readUInt32LE(pos)));
        pos += 4;
        break;
      case 0x70: // PUT
        memo.set(Number.parseInt(readLine('PUT'), 10), top());
        break;
      case 0x71: // BINPUT
        need(1, 'BINPUT');
        memo.set(buf[pos++]!, top());
        break;
      case 0x72: // LONG_BINPUT
        need(4, 'LONG_BINPUT');
        memo.set(buf.readUInt32LE(pos), top());
        pos += 4;
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x63: {
        // GLOBAL
        const module = readLine('GLOBAL module');
        const name = readLine('GLOBAL name');
        stack.push(new PyGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw new PickleFormatError('corrupt pickle: STACK_GLOBAL needs two strings');
        }
        stack.push(new PyGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callee = pop();
        stack.push(call(callee, tupleItems(args, 'REDUCE'), 'REDUCE', 'reduce'));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(call(cls, tupleItems(args, 'NEWOBJ'), 'NEWOBJ', 'newobj'));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        const o = call(cls, tupleItems(args, 'NEWOBJ_EX'), 'NEWOBJ_EX', 'newobj');
        if (o instanceof PyStub && kwargs instanceof PyDict && kwargs.size) o.dictItems.push(...kwargs.entries());
        stack.push(o);
        break;
      }
      case 0x69: {
        // INST
        const module = readLine('INST module');
        const name = readLine('INST name');
        const args = popMark();
        stack.push(call(new PyGlobal(module, name), args, 'INST', 'inst'));
        break;
      }
      case 0x6f: {
        // OBJ
        const items = popMark();
        if (items.length === 0) throw new PickleFormatError('corrupt pickle: OBJ without a class');
        stack.push(call(items[0]!, items.slice(1), 'OBJ', 'inst'));
        break;
      }
      case 0x62: {
        // BUILD: only records state on inert objects; __setstate__ is never called
        const state = pop();
        const obj = top();
        if (state instanceof PyGlobal && isDangerousGlobal(state.module, state.name)) throw new UnsafePickleError(state.qualified, 'BUILD state');
        if (obj instanceof PyStub) obj.state = state;
        else if (obj instanceof PyDict) obj.attrs = state;
        else if (obj instanceof PyGlobal && isDangerousGlobal(obj.module, obj.name)) throw new UnsafePickleError(obj.qualified, 'BUILD');
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x50: // PERSID
        stack.push(persistent(readLine('PERSID')));
        break;
      case 0x82:
      case 0x83:
      case 0x84:
        throw new PickleFormatError('pickle uses the copyreg extension registry (EXT1/2/4), which is not supported');
      default:
        throw new PickleFormatError(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1}: not a pickle, or corrupt`);
    }
  }
  throw new PickleFormatError('truncated pickle: no STOP opcode');
}
