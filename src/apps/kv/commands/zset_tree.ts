/**
 * The order of a sorted set: an order-statistic B+ tree of (score, member)
 * pairs, ordered by score then by member bytes (Redis' skiplist order).
 * Leaves hold up to {@link LEAF_MAX} pairs in two parallel arrays and are
 * linked both ways, so a range is a seek (O(log n)) then a walk; inner
 * nodes keep each child's first pair (to route) and the subtree size (to
 * rank). That is about 16 bytes per member, where a skiplist node costs an
 * object with its level arrays.
 *
 * @example
 * const t = new ZTree();
 * t.insert(2, "b"); t.insert(1, "a");
 * t.rankOf(2, "b");      // 1
 * t.at(0);               // { leaf, i: 0 } -> leaf.members[0] === "a"
 */

/** Pairs per leaf; children per inner node. */
export const LEAF_MAX = 64;
const INNER_MAX = 64;

export class ZLeaf {
  scores: number[] = [];
  members: string[] = [];
  prev: ZLeaf | null = null;
  next: ZLeaf | null = null;
}

class ZInner {
  size = 0;
  constructor(
    public children: ZNode[],
    public minScores: number[],
    public minMembers: string[],
  ) {
    for (const c of children) this.size += sizeOf(c);
  }
}

type ZNode = ZLeaf | ZInner;

function sizeOf(n: ZNode): number {
  return n instanceof ZLeaf ? n.members.length : n.size;
}

function firstScore(n: ZNode): number {
  return n instanceof ZLeaf ? n.scores[0]! : n.minScores[0]!;
}

function firstMember(n: ZNode): string {
  return n instanceof ZLeaf ? n.members[0]! : n.minMembers[0]!;
}

/** Negative, zero or positive as (s1, m1) sorts before, with, or after (s2, m2). */
export function zcmp(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return m1 < m2 ? -1 : m1 > m2 ? 1 : 0;
}

/** A position: the pair at `leaf.members[i]`; `leaf` null past either end. */
export interface ZPos {
  leaf: ZLeaf | null;
  i: number;
}

/** Is (score, member) at or past the point sought? Must be false then true along the order. */
export type ZPred = (score: number, member: string) => boolean;

export class ZTree {
  private root: ZNode = new ZLeaf();
  head: ZLeaf = this.root as ZLeaf;
  tail: ZLeaf = this.root as ZLeaf;

  get size(): number {
    return sizeOf(this.root);
  }

  /** Adds a pair that is not in the tree. */
  insert(score: number, member: string): void {
    const split = this.ins(this.root, score, member);
    if (split !== null) {
      const old = this.root;
      this.root = new ZInner([old, split], [firstScore(old), firstScore(split)], [firstMember(old), firstMember(split)]);
    }
  }

  /** Removes a pair; false when it was not there. */
  delete(score: number, member: string): boolean {
    if (!this.del(this.root, score, member)) return false;
    while (this.root instanceof ZInner && this.root.children.length === 1) this.root = this.root.children[0]!;
    return true;
  }

  /** The position of the pair at 0-based rank `r` (0 <= r < size). */
  at(r: number): ZPos {
    let node = this.root;
    while (node instanceof ZInner) {
      let i = 0;
      for (;;) {
        const s = sizeOf(node.children[i]!);
        if (r < s) break;
        r -= s;
        i++;
      }
      node = node.children[i]!;
    }
    return { leaf: node, i: r };
  }

  /**
   * The first pair for which `pred` holds, and its rank (= how many pairs
   * it is false for); `leaf` null and rank = size when none.
   */
  seek(pred: ZPred): { pos: ZPos; rank: number } {
    let node = this.root;
    let rank = 0;
    while (node instanceof ZInner) {
      // the last child whose first pair is still before the point (or the first child)
      let lo = 0;
      let hi = node.children.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (pred(node.minScores[mid]!, node.minMembers[mid]!)) hi = mid;
        else lo = mid + 1;
      }
      const c = lo > 0 ? lo - 1 : 0;
      for (let j = 0; j < c; j++) rank += sizeOf(node.children[j]!);
      node = node.children[c]!;
    }
    let lo = 0;
    let hi = node.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pred(node.scores[mid]!, node.members[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    rank += lo;
    if (lo < node.members.length) return { pos: { leaf: node, i: lo }, rank };
    // past this leaf: the next one's first pair (leaves are never empty but in an empty tree)
    return { pos: { leaf: node.next, i: 0 }, rank };
  }

  /** The 0-based rank of a pair known to be in the tree. */
  rankOf(score: number, member: string): number {
    return this.seek((s, m) => zcmp(s, m, score, member) >= 0).rank;
  }

  /** Every pair in order. */
  *entries(): Generator<[string, number]> {
    for (let l: ZLeaf | null = this.head; l !== null; l = l.next) {
      for (let i = 0; i < l.members.length; i++) yield [l.members[i]!, l.scores[i]!];
    }
  }

  private ins(node: ZNode, score: number, member: string): ZNode | null {
    if (node instanceof ZLeaf) {
      const p = lowerBound(node.scores, node.members, node.members.length, score, member);
      insertAt(node, p, score, member);
      return node.members.length > LEAF_MAX ? this.splitLeaf(node) : null;
    }
    const i = route(node, score, member);
    const child = node.children[i]!;
    const split = this.ins(child, score, member);
    node.size++;
    node.minScores[i] = firstScore(child);
    node.minMembers[i] = firstMember(child);
    if (split === null) return null;
    node.children.splice(i + 1, 0, split);
    node.minScores.splice(i + 1, 0, firstScore(split));
    node.minMembers.splice(i + 1, 0, firstMember(split));
    if (node.children.length <= INNER_MAX) return null;
    const half = node.children.length >> 1;
    const right = new ZInner(node.children.splice(half), node.minScores.splice(half), node.minMembers.splice(half));
    node.size -= right.size;
    return right;
  }

  private splitLeaf(leaf: ZLeaf): ZLeaf {
    const right = new ZLeaf();
    // A leaf filled at its end (rising scores) splits near the end, so leaves stay full.
    const half = leaf.next === null ? LEAF_MAX - 8 : leaf.members.length >> 1;
    right.scores = leaf.scores.splice(half);
    right.members = leaf.members.splice(half);
    right.next = leaf.next;
    right.prev = leaf;
    if (leaf.next !== null) leaf.next.prev = right;
    else this.tail = right;
    leaf.next = right;
    return right;
  }

  private unlink(leaf: ZLeaf): void {
    if (leaf.prev !== null) leaf.prev.next = leaf.next;
    else if (leaf.next !== null) this.head = leaf.next;
    if (leaf.next !== null) leaf.next.prev = leaf.prev;
    else if (leaf.prev !== null) this.tail = leaf.prev;
  }

  private del(node: ZNode, score: number, member: string): boolean {
    if (node instanceof ZLeaf) {
      const p = lowerBound(node.scores, node.members, node.members.length, score, member);
      if (p === node.members.length || node.members[p] !== member || !(node.scores[p] === score)) return false;
      removeAt(node, p);
      return true;
    }
    const i = route(node, score, member);
    const child = node.children[i]!;
    if (!this.del(child, score, member)) return false;
    node.size--;
    const n = sizeOf(child);
    if (n === 0) {
      if (child instanceof ZLeaf) this.unlink(child);
      this.removeChild(node, i);
      return true;
    }
    node.minScores[i] = firstScore(child);
    node.minMembers[i] = firstMember(child);
    const small = child instanceof ZLeaf ? n < LEAF_MAX / 4 : child.children.length < INNER_MAX / 4;
    if (small && node.children.length > 1) this.mergeAround(node, i);
    return true;
  }

  private removeChild(node: ZInner, i: number): void {
    node.children.splice(i, 1);
    node.minScores.splice(i, 1);
    node.minMembers.splice(i, 1);
  }

  /** Merges child i with a neighbour when both fit in one node. */
  private mergeAround(node: ZInner, i: number): void {
    const l = i > 0 ? i - 1 : i;
    const left = node.children[l]!;
    const right = node.children[l + 1]!;
    if (left instanceof ZLeaf && right instanceof ZLeaf) {
      if (left.members.length + right.members.length > LEAF_MAX) return;
      for (let j = 0; j < right.members.length; j++) {
        left.scores.push(right.scores[j]!);
        left.members.push(right.members[j]!);
      }
      this.unlink(right);
    } else if (left instanceof ZInner && right instanceof ZInner) {
      if (left.children.length + right.children.length > INNER_MAX) return;
      for (let j = 0; j < right.children.length; j++) {
        left.children.push(right.children[j]!);
        left.minScores.push(right.minScores[j]!);
        left.minMembers.push(right.minMembers[j]!);
      }
      left.size += right.size;
    } else return;
    this.removeChild(node, l + 1);
    node.minScores[l] = firstScore(left);
    node.minMembers[l] = firstMember(left);
  }
}

/** Inserts at p by hand: splice would allocate the array of removed items on every call. */
function insertAt(leaf: ZLeaf, p: number, score: number, member: string): void {
  const sc = leaf.scores;
  const ms = leaf.members;
  let i = ms.length;
  sc.push(score);
  ms.push(member);
  for (; i > p; i--) {
    sc[i] = sc[i - 1]!;
    ms[i] = ms[i - 1]!;
  }
  sc[p] = score;
  ms[p] = member;
}

function removeAt(leaf: ZLeaf, p: number): void {
  const sc = leaf.scores;
  const ms = leaf.members;
  if (p === 0) {
    // ZPOPMIN's case: V8 moves the array's start instead of every element.
    sc.shift();
    ms.shift();
    return;
  }
  const n = ms.length - 1;
  for (let i = p; i < n; i++) {
    sc[i] = sc[i + 1]!;
    ms[i] = ms[i + 1]!;
  }
  sc.pop();
  ms.pop();
}

/** First index in a leaf's arrays not before (score, member). */
function lowerBound(scores: number[], members: string[], n: number, score: number, member: string): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (zcmp(scores[mid]!, members[mid]!, score, member) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The child of an inner node where (score, member) is or goes: the last whose first pair is not after it. */
function route(node: ZInner, score: number, member: string): number {
  let lo = 0;
  let hi = node.children.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (zcmp(node.minScores[mid]!, node.minMembers[mid]!, score, member) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? lo - 1 : 0;
}

/** Moves a position one pair forward (leaf null past the end). */
export function posNext(p: ZPos): void {
  if (p.leaf === null) return;
  if (++p.i < p.leaf.members.length) return;
  p.leaf = p.leaf.next;
  p.i = 0;
}

/** Moves a position one pair back (leaf null before the start). */
export function posPrev(p: ZPos): void {
  if (p.leaf === null) return;
  if (--p.i >= 0) return;
  p.leaf = p.leaf.prev;
  p.i = p.leaf === null ? 0 : p.leaf.members.length - 1;
}
