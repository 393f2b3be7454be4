/** Malformed RESP inputs and the protocol error redis-server 7.0 names for each (after "-ERR Protocol error: "). */
export const PROTOCOL_ERROR_CASES: readonly (readonly [bytes: string, what: string])[] = [
  ["*1\r\n$x\r\n", "invalid bulk length"],
  ["*a\r\n", "invalid multibulk length"],
  ["*1\r\n+GET\r\n", "expected '$', got '+'"],
  ['SET "a\r\n', "unbalanced quotes in request"],
];
