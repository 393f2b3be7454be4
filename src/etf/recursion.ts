/**
 * How deep the codec recurses. Encode and decode handle the first
 * RECURSION_DEPTH levels of a term by recursion on the JS stack, where V8
 * is fastest (nearly every term is a few levels deep); a subtree deeper
 * than that goes to an explicit stack, so any depth works. The bound is far
 * below Node's stack limit, even for a caller already deep in its own stack.
 */
export const RECURSION_DEPTH = 256;

/** The levels recursed before the explicit stack takes over (RECURSION_DEPTH but in tests). */
export let recursionDepth = RECURSION_DEPTH;

/**
 * @internal For tests: sets how many levels encode and decode recurse
 * before their explicit stacks take over (both paths must give the same
 * bytes and terms). Returns the previous value.
 */
export function setRecursionDepth(n: number): number {
  const old = recursionDepth;
  recursionDepth = n;
  return old;
}
