/** External Term Format tags (erts "External Term Format", version 131). */
export const Tag = {
  VERSION: 131,
  COMPRESSED: 80,
  NEW_FLOAT: 70,
  BIT_BINARY: 77,
  ATOM_CACHE_REF: 82,
  NEW_PID: 88,
  NEW_PORT: 89,
  NEWER_REFERENCE: 90,
  SMALL_INTEGER: 97,
  INTEGER: 98,
  FLOAT: 99,
  ATOM: 100,
  REFERENCE: 101,
  PORT: 102,
  PID: 103,
  SMALL_TUPLE: 104,
  LARGE_TUPLE: 105,
  NIL: 106,
  STRING: 107,
  LIST: 108,
  BINARY: 109,
  SMALL_BIG: 110,
  LARGE_BIG: 111,
  NEW_FUN: 112,
  EXPORT: 113,
  NEW_REFERENCE: 114,
  SMALL_ATOM: 115,
  MAP: 116,
  ATOM_UTF8: 118,
  SMALL_ATOM_UTF8: 119,
  V4_PORT: 120,
  LOCAL: 121,
} as const;

export type TagName = keyof typeof Tag;

const names = new Map<number, string>(Object.entries(Tag).map(([k, v]) => [v, k]));

export function tagName(tag: number): string {
  return names.get(tag) ?? `unknown tag ${tag}`;
}
