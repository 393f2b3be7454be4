/**
 * The floors of the ETF paths (issue 18): each bench term encoded and decoded
 * by hand, with the least code JS allows for that one fixed shape: no type
 * dispatch, no checks beyond what picks the bytes, the output pre-sized (or,
 * for the long variable-size terms, one scratch buffer and one copy). The
 * values built are the codec's own (Tuple, ExternalPid, TermMap...), so a
 * floor and `decode` do the same work; the encoders' bytes are checked
 * against `encode`'s by bench/etf.ts before timing.
 */
import { putU32 } from "../src/etf/bytes.js";
import { decode } from "../src/etf/index.js";
import { Atom, ExternalPid, ExternalRef, ImproperList, type Pid, type Ref, TermMap, Tuple, atom, equals } from "../src/term/index.js";

interface Floor {
  encode(term: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

// Outputs come from a slab, as `encode`'s do (a fresh ArrayBuffer per encode costs more than the encode):
// 32 KB, not zero-filled.
const SLAB = 32768;
let slab = Buffer.allocUnsafeSlow(SLAB).buffer;
let slabAt = 0;
function out(n: number): Uint8Array {
  if (n > SLAB >>> 1) return new Uint8Array(n);
  if (slabAt + n > SLAB) {
    slab = Buffer.allocUnsafeSlow(SLAB).buffer;
    slabAt = 0;
  }
  const o = new Uint8Array(slab, slabAt, n);
  slabAt = (slabAt + n + 7) & ~7;
  return o;
}

const scratch = new Uint8Array(1 << 16);
function copyOut(n: number): Uint8Array {
  const o = out(n);
  o.set(scratch.subarray(0, n));
  return o;
}

function atomAt(b: Uint8Array, o: number, a: Uint8Array): number {
  b[o++] = 119;
  b[o++] = a.length;
  for (let i = 0; i < a.length; i++) b[o + i] = a[i]!;
  return o + a.length;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** An integer 0..2^31 (the corpus' only kind). */
function intAt(b: Uint8Array, o: number, x: number): number {
  if (x < 256) {
    b[o] = 97;
    b[o + 1] = x;
    return o + 2;
  }
  b[o] = 98;
  return putU32(b, o + 1, x);
}

/** The atom whose UTF-8 bytes are at `o` (length `n`): the one expected, else interned. */
function atomFrom(b: Uint8Array, o: number, n: number, expected: Atom): Atom {
  const e = expected.utf8;
  if (e.length === n) {
    let i = 0;
    while (i < n && e[i] === b[o + i]) i++;
    if (i === n) return expected;
  }
  return atom(Buffer.from(b.buffer, b.byteOffset + o, n).toString("utf8"));
}

const GEN_CALL = atom("$gen_call");
const ALIAS = atom("alias");
const GET = atom("get");
const MSG = atom("msg");
let lastNode: Atom = atom("nonode@nohost");

/** `{'$gen_call', {Pid, [alias | Ref]}, {get, <<"key">>}}` */
const small: Floor = {
  encode(term) {
    const x = term as Tuple;
    const from = x[1] as Tuple;
    const pid = from[0] as Pid;
    const ref = (from[1] as ImproperList).tail as Ref;
    const key = (x[2] as Tuple)[1] as string;
    const pn = pid.node.utf8;
    const rn = ref.node.utf8;
    const ids = ref.ids;
    const b = out(64 + pn.length + rn.length + 4 * ids.length + key.length);
    b[0] = 131;
    b[1] = 104;
    b[2] = 3;
    let o = atomAt(b, 3, GEN_CALL.utf8);
    b[o++] = 104;
    b[o++] = 2;
    b[o++] = 88;
    o = atomAt(b, o, pn);
    o = putU32(b, o, pid.id);
    o = putU32(b, o, pid.serial);
    o = putU32(b, o, pid.creation);
    b[o++] = 108;
    o = putU32(b, o, 1);
    o = atomAt(b, o, ALIAS.utf8);
    b[o++] = 90;
    b[o++] = 0;
    b[o++] = ids.length;
    o = atomAt(b, o, rn);
    o = putU32(b, o, ref.creation);
    for (let i = 0; i < ids.length; i++) o = putU32(b, o, ids[i]!);
    b[o++] = 104;
    b[o++] = 2;
    o = atomAt(b, o, GET.utf8);
    b[o++] = 109;
    o = putU32(b, o, key.length);
    for (let i = 0; i < key.length; i++) b[o + i] = key.charCodeAt(i);
    return b;
  },
  decode(b) {
    // 131 104 3 | $gen_call (11) | 104 2 | 88 node id serial creation | 108 [1] alias | 90 len node creation words | 104 2 get 109 len key
    let o = 3 + 11 + 2 + 1;
    const pn = b[o + 1]!;
    const node = (lastNode = atomFrom(b, o + 2, pn, lastNode));
    o += 2 + pn;
    const pid = new ExternalPid(node, u32(b, o), u32(b, o + 4), u32(b, o + 8));
    o += 12 + 5 + 7 + 1;
    const words = b[o + 1]!;
    o += 2;
    const rn = b[o + 1]!;
    const rnode = (lastNode = atomFrom(b, o + 2, rn, lastNode));
    o += 2 + rn;
    const creation = u32(b, o);
    o += 4;
    const ids: number[] = new Array(words);
    for (let i = 0; i < words; i++, o += 4) ids[i] = u32(b, o);
    const from = new Tuple(2);
    from[0] = pid;
    from[1] = new ImproperList([ALIAS], new ExternalRef(rnode, creation, ids));
    o += 2 + 5 + 1;
    const n = u32(b, o);
    const req = new Tuple(2);
    req[0] = GET;
    req[1] = b.subarray(o + 4, o + 4 + n);
    const x = new Tuple(3);
    x[0] = GEN_CALL;
    x[1] = from;
    x[2] = req;
    return x;
  },
};

/** `{msg, 1, <<1 KB>>}` */
const bin1k: Floor = {
  encode(term) {
    const x = term as Tuple;
    const payload = x[2] as Uint8Array;
    const b = out(3 + 5 + 2 + 5 + payload.length);
    b[0] = 131;
    b[1] = 104;
    b[2] = 3;
    let o = atomAt(b, 3, MSG.utf8);
    o = intAt(b, o, x[1] as number);
    b[o] = 109;
    o = putU32(b, o + 1, payload.length);
    b.set(payload, o);
    return b;
  },
  decode(b) {
    const x = new Tuple(3);
    x[0] = MSG;
    x[1] = b[9];
    x[2] = b.subarray(15, 15 + u32(b, 11));
    return x;
  },
};

/** 200 `{I, 2I}` */
const list200: Floor = {
  encode(term) {
    const x = term as Tuple[];
    const b = scratch;
    b[0] = 131;
    b[1] = 108;
    let o = putU32(b, 2, x.length);
    for (let i = 0; i < x.length; i++) {
      const e = x[i]!;
      b[o] = 104;
      b[o + 1] = 2;
      o = intAt(b, intAt(b, o + 2, e[0] as number), e[1] as number);
    }
    b[o] = 106;
    return copyOut(o + 1);
  },
  decode(b) {
    const n = u32(b, 2);
    const items: unknown[] = new Array(n);
    let o = 6;
    for (let i = 0; i < n; i++) {
      const e = new Tuple(2);
      o += 2;
      for (let j = 0; j < 2; j++) {
        if (b[o] === 97) {
          e[j] = b[o + 1];
          o += 2;
        } else {
          e[j] = u32(b, o + 1) | 0;
          o += 5;
        }
      }
      items[i] = e;
    }
    return items;
  },
};

/** 1,000 `I => <<"v">>` (written in the map's iteration order, as `encode` writes maps over 32 keys) */
let at = 0;
function entry(v: unknown, k: unknown): void {
  const b = scratch;
  const s = v as string;
  let o = intAt(b, at, k as number);
  b[o] = 109;
  o = putU32(b, o + 1, s.length);
  for (let i = 0; i < s.length; i++) b[o + i] = s.charCodeAt(i);
  at = o + s.length;
}
const map1000: Floor = {
  encode(term) {
    const m = term as TermMap;
    scratch[0] = 131;
    scratch[1] = 116;
    at = putU32(scratch, 2, m.size);
    m.forEach(entry);
    return copyOut(at);
  },
  decode(b) {
    const n = u32(b, 2);
    const m = new TermMap();
    let o = 6;
    for (let i = 0; i < n; i++) {
      let k: number;
      if (b[o] === 97) {
        k = b[o + 1]!;
        o += 2;
      } else {
        k = u32(b, o + 1) | 0;
        o += 5;
      }
      const len = u32(b, o + 1);
      m.set(k, b.subarray(o + 5, o + 5 + len));
      o += 5 + len;
    }
    return m;
  },
};

const floors: Record<string, Floor> = { small, bin1k, list200, map1000 };

/**
 * The floor of a corpus case (bench/etf_corpus.ts), once checked: its
 * encoding is `encode`'s byte for byte and its decoding equals `decode`'s.
 */
export function checkedFloor(name: string, term: unknown, bytes: Uint8Array): Floor {
  const f = floors[name];
  if (f === undefined) throw new Error(`no ETF floor for ${name}`);
  if (!Buffer.from(f.encode(term)).equals(bytes)) throw new Error(`the ${name} floor encodes other bytes than encode`);
  if (!equals(f.decode(bytes), decode(bytes))) throw new Error(`the ${name} floor decodes another term than decode`);
  return f;
}
