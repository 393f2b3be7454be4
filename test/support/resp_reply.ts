/**
 * A RESP2/RESP3 reply reader for tests: where a reply ends, and its decoded
 * shape (for comparisons that ignore order, or tolerate a TTL's drift).
 */

/** A decoded reply: the type byte, and the text, number or children. */
export interface Node {
  type: string;
  text?: string;
  items?: Node[];
  /** A null bulk or array (`$-1`, `*-1`). */
  nil?: true;
}

/** End offset of the reply starting at `pos`, or -1 if incomplete. */
export function replyEnd(buf: Buffer, pos: number): number {
  const r = decode(buf, pos);
  return r === null ? -1 : r.end;
}

export function decode(buf: Buffer, pos: number): { node: Node; end: number } | null {
  if (pos >= buf.length) return null;
  const type = String.fromCharCode(buf[pos]!);
  const nl = buf.indexOf("\r\n", pos);
  if (nl < 0) return null;
  const line = buf.toString("latin1", pos + 1, nl);
  let at = nl + 2;
  switch (type) {
    case "+":
    case "-":
    case ":":
    case "_":
    case ",":
    case "#":
    case "(":
      return { node: { type, text: line }, end: at };
    case "$":
    case "=":
    case "!": {
      const n = Number(line);
      if (n < 0) return { node: { type, nil: true }, end: at };
      if (buf.length < at + n + 2) return null;
      return { node: { type, text: buf.toString("latin1", at, at + n) }, end: at + n + 2 };
    }
    case "*":
    case "~":
    case "%":
    case ">":
    case "|": {
      const n = Number(line);
      if (n < 0) return { node: { type, nil: true }, end: at };
      const count = type === "%" || type === "|" ? 2 * n : n;
      const items: Node[] = [];
      for (let i = 0; i < count; i++) {
        const r = decode(buf, at);
        if (r === null) return null;
        items.push(r.node);
        at = r.end;
      }
      return { node: { type, items }, end: at };
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(buf.toString("latin1", pos, pos + 40))}`);
  }
}

export function decodeAll(buf: Buffer): Node {
  const r = decode(buf, 0);
  if (r === null || r.end !== buf.length) throw new Error(`not exactly one reply: ${JSON.stringify(buf.toString("latin1"))}`);
  return r.node;
}

/**
 * A canonical text of a node; `unordered` sorts the children of the top
 * node (maps, or flat arrays with `flatPairs`, by pair), for replies whose
 * order Redis does not define.
 */
export function canonical(n: Node, unordered = false, flatPairs = false): string {
  if (n.nil) return `${n.type}nil`;
  if (n.items === undefined) return `${n.type}${JSON.stringify(n.text)}`;
  let parts = n.items.map((c) => canonical(c));
  if (unordered) {
    if (n.type === "%" || flatPairs) {
      const pairs: string[] = [];
      for (let i = 0; i < parts.length; i += 2) pairs.push(`${parts[i]}=>${parts[i + 1]}`);
      parts = pairs.sort();
    } else {
      parts = parts.sort();
    }
  }
  return `${n.type}[${parts.join(",")}]`;
}
