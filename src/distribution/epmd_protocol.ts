/**
 * EPMD messages (erts "Distribution Protocol", section "EPMD Protocol"):
 * pure encoders and decoders shared by the client and the embedded server.
 * Requests travel with a 2-byte length; replies have none.
 */
import { DistProtocolError } from "./errors.js";

export const EPMD = {
  ALIVE2_REQ: 120,
  ALIVE2_RESP: 121,
  ALIVE2_X_RESP: 118,
  PORT_PLEASE2_REQ: 122,
  PORT2_RESP: 119,
  NAMES_REQ: 110,
  DUMP_REQ: 100,
  KILL_REQ: 107,
  STOP_REQ: 115,
} as const;

/** Largest request the server reads (a name is at most 255 bytes; real epmd's buffer is smaller still). */
export const MAX_EPMD_REQUEST = 4096;

/** A node's registration (ALIVE2_REQ) and what PORT2_RESP tells of it. */
export interface NodeInfo {
  port: number;
  /** 77 = normal Erlang node, 72 = hidden (C node). */
  nodeType: number;
  /** 0 = TCP/IPv4. */
  protocol: number;
  highestVersion: number;
  lowestVersion: number;
  /** The alive part of the node name (before `@`), UTF-8. */
  name: string;
  extra: Uint8Array;
}

export type EpmdRequest =
  | { kind: "alive2"; node: NodeInfo }
  | { kind: "port_please2"; name: string }
  | { kind: "names" }
  | { kind: "dump" }
  | { kind: "kill" }
  | { kind: "stop"; name: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

function bad(what: string): never {
  throw new DistProtocolError(`bad EPMD message: ${what}`);
}

function text(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    return bad("a node name that is not UTF-8");
  }
}

function withLength(body: Uint8Array): Uint8Array {
  const b = new Uint8Array(2 + body.length);
  b[0] = body.length >>> 8;
  b[1] = body.length & 0xff;
  b.set(body, 2);
  return b;
}

function nodeInfoBody(tag: number, n: NodeInfo, withResult: boolean): Uint8Array {
  const name = encoder.encode(n.name);
  const head = withResult ? 2 : 1;
  const b = new Uint8Array(head + 10 + name.length + 2 + n.extra.length);
  const v = new DataView(b.buffer);
  b[0] = tag;
  if (withResult) b[1] = 0;
  let o = head;
  v.setUint16(o, n.port);
  b[o + 2] = n.nodeType;
  b[o + 3] = n.protocol;
  v.setUint16(o + 4, n.highestVersion);
  v.setUint16(o + 6, n.lowestVersion);
  v.setUint16(o + 8, name.length);
  o += 10;
  b.set(name, o);
  o += name.length;
  v.setUint16(o, n.extra.length);
  b.set(n.extra, o + 2);
  return b;
}

/** Reads the node fields of ALIVE2_REQ (from `o`, after the tag) or PORT2_RESP (after tag and result). */
function readNodeInfo(b: Uint8Array, o: number): NodeInfo {
  if (b.length < o + 10) bad(`node info of ${b.length - o} bytes`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const nlen = v.getUint16(o + 8);
  if (nlen === 0 || b.length < o + 10 + nlen + 2) bad("a node name and extra length");
  const name = text(b.subarray(o + 10, o + 10 + nlen));
  const eo = o + 10 + nlen;
  const elen = v.getUint16(eo);
  if (b.length < eo + 2 + elen) bad("the extra field");
  return {
    port: v.getUint16(o),
    nodeType: b[o + 2]!,
    protocol: b[o + 3]!,
    highestVersion: v.getUint16(o + 4),
    lowestVersion: v.getUint16(o + 6),
    name,
    extra: b.slice(eo + 2, eo + 2 + elen),
  };
}

// ---- requests (client -> server) ------------------------------------------------

export function encodeAlive2(n: NodeInfo): Uint8Array {
  return withLength(nodeInfoBody(EPMD.ALIVE2_REQ, n, false));
}

export function encodePortPlease2(name: string): Uint8Array {
  const nb = encoder.encode(name);
  const b = new Uint8Array(1 + nb.length);
  b[0] = EPMD.PORT_PLEASE2_REQ;
  b.set(nb, 1);
  return withLength(b);
}

export function encodeSimple(tag: number): Uint8Array {
  return withLength(Uint8Array.of(tag));
}

/** Decodes one request body (without its 2-byte length). */
export function decodeRequest(b: Uint8Array): EpmdRequest {
  if (b.length === 0) bad("an empty request");
  switch (b[0]) {
    case EPMD.ALIVE2_REQ:
      return { kind: "alive2", node: readNodeInfo(b, 1) };
    case EPMD.PORT_PLEASE2_REQ:
      if (b.length < 2) bad("PORT_PLEASE2_REQ without a name");
      return { kind: "port_please2", name: text(b.subarray(1)) };
    case EPMD.NAMES_REQ:
      return { kind: "names" };
    case EPMD.DUMP_REQ:
      return { kind: "dump" };
    case EPMD.KILL_REQ:
      return { kind: "kill" };
    case EPMD.STOP_REQ:
      if (b.length < 2) bad("STOP_REQ without a name");
      return { kind: "stop", name: text(b.subarray(1)) };
    default:
      return bad(`unknown request ${b[0]}`);
  }
}

// ---- replies (server -> client) ---------------------------------------------

/** ALIVE2_X_RESP (32-bit creation) for version 6 nodes, ALIVE2_RESP (16-bit) for older ones. */
export function encodeAliveResp(result: number, creation: number, extended: boolean): Uint8Array {
  if (extended) {
    const b = new Uint8Array(6);
    b[0] = EPMD.ALIVE2_X_RESP;
    b[1] = result;
    new DataView(b.buffer).setUint32(2, creation >>> 0);
    return b;
  }
  return Uint8Array.of(EPMD.ALIVE2_RESP, result, (creation >>> 8) & 0xff, creation & 0xff);
}

/** Parses ALIVE2_RESP / ALIVE2_X_RESP; undefined while incomplete. */
export function decodeAliveResp(b: Uint8Array): { result: number; creation: number } | undefined {
  if (b.length < 1) return undefined;
  if (b[0] === EPMD.ALIVE2_X_RESP) {
    if (b.length < 6) return undefined;
    return { result: b[1]!, creation: new DataView(b.buffer, b.byteOffset).getUint32(2) };
  }
  if (b[0] === EPMD.ALIVE2_RESP) {
    if (b.length < 4) return undefined;
    return { result: b[1]!, creation: (b[2]! << 8) | b[3]! };
  }
  return bad(`reply ${b[0]} to ALIVE2_REQ`);
}

export function encodePort2Resp(n: NodeInfo | undefined): Uint8Array {
  if (n === undefined) return Uint8Array.of(EPMD.PORT2_RESP, 1);
  return nodeInfoBody(EPMD.PORT2_RESP, n, true);
}

/** Parses a complete PORT2_RESP (the server closes after it): undefined when the node is unknown. */
export function decodePort2Resp(b: Uint8Array): NodeInfo | undefined {
  if (b.length < 2 || b[0] !== EPMD.PORT2_RESP) bad("a PORT2_RESP");
  if (b[1] !== 0) return undefined;
  return readNodeInfo(b, 2);
}

/** NAMES_RESP: EPMD's port, then one `name N at port P` line per node. */
export function encodeNamesResp(epmdPort: number, nodes: Iterable<{ name: string; port: number }>): Uint8Array {
  let s = "";
  for (const n of nodes) s += `name ${n.name} at port ${n.port}\n`;
  const body = encoder.encode(s);
  const b = new Uint8Array(4 + body.length);
  new DataView(b.buffer).setUint32(0, epmdPort);
  b.set(body, 4);
  return b;
}

export function decodeNamesResp(b: Uint8Array): { name: string; port: number }[] {
  if (b.length < 4) bad("a NAMES_RESP without EPMD's port");
  const out: { name: string; port: number }[] = [];
  for (const line of text(b.subarray(4)).split("\n")) {
    const m = /^name (.+) at port (\d+)$/.exec(line);
    if (m) out.push({ name: m[1]!, port: Number(m[2]) });
  }
  return out;
}
