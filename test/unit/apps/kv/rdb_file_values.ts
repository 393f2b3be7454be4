/** Values of every type and encoding for the RDB file tests (small and big encodings, streams with groups). */
import { type Value } from "../../../../src/apps/kv/commands/db.js";
import { markHashtable } from "../../../../src/apps/kv/commands/hash_value.js";
import { ListValue } from "../../../../src/apps/kv/commands/list_value.js";
import { SetValue } from "../../../../src/apps/kv/commands/set_value.js";
import { ZSetValue } from "../../../../src/apps/kv/commands/zset_value.js";
import { StreamValue } from "../../../../src/apps/kv/commands/stream_value.js";
import { Consumer, ConsumerGroup, Nack } from "../../../../src/apps/kv/commands/stream_cg.js";
import { makeId } from "../../../../src/apps/kv/commands/stream_id.js";

export const range = (n: number) => Array.from({ length: n }, (_, i) => String(i));

/** Values built the way the commands build them (each type's small or big encoding follows from its contents). */
export const list = (xs: string[]) => {
  const l = new ListValue();
  for (const x of xs) l.pushTail(x);
  return l;
};
export const set = (xs: string[]) => {
  const s = new SetValue();
  for (const x of xs) s.add(x);
  return s;
};
export const zset = (pairs: [string, number][]) => {
  const z = new ZSetValue(pairs.length);
  for (const [m, s] of pairs) z.set(m, s);
  return z;
};
/** A hash; `table`: in its hashtable encoding whatever its size. */
export const hash = (pairs: [string, string][], table = false) => {
  const h = new Map(pairs);
  if (table) markHashtable(h);
  return h;
};

export function sampleValues(): [string, Value][] {
  const stream = (n: number, groups: boolean) => {
    const s = new StreamValue();
    const T = 1700000000000;
    for (let i = 0; i < n; i++) s.add(makeId(T + i, 0), ["f", String(i), "g", "x".repeat(i % 50)]);
    if (groups) {
      s.groups = new Map();
      const g = new ConsumerGroup(makeId(T + 5, 0), 6n);
      const a = new Consumer("alice", T);
      g.consumers.set("alice", a);
      for (let i = 0; i < 3; i++) {
        const nack = new Nack(a, T + i, i + 1);
        g.pel.insert(makeId(T + i, 0), nack);
        a.pel.insert(makeId(T + i, 0), nack);
      }
      s.groups.set("g", g);
    }
    return s;
  };
  return [
    ["str", "hello"],
    ["int", "12345"],
    ["long", "abc".repeat(300)],
    ["list", list(["a", "1", "x".repeat(100)])],
    ["biglist", list(range(3000).map((i) => `item-${i}`))],
    ["intset", set(["1", "2", "-3"])],
    ["set", set(["a", "b"])],
    ["bigset", set(range(600).map((i) => `m${i}`))],
    ["zset", zset([["a", 1], ["b", 1.5], ["c", -Infinity]])],
    ["bigzset", zset(range(200).map((i) => [`m${i}`, Number(i) / 7] as [string, number]))],
    ["hash", hash([["f", "v"], ["n", "12"]])],
    ["bighash", hash([["f", "v".repeat(100)]], true)],
    ["stream", stream(3, false)],
    ["groups", stream(300, true)],
  ];
}
