#!/usr/bin/env node
/**
 * The `agner` command: a look into running nodes, BEAM or Agner, over
 * Erlang distribution (imports only the public API).
 *
 *     agner ping NODE                      pong, or pang (exit status 1)
 *     agner rpc NODE MOD FUN [ARG...]      rpc:call, each ARG an Erlang term; prints the result as erl does
 *     agner nodes [HOST]                   the names EPMD knows on HOST (default localhost)
 *     agner top NODE                       the busiest processes, refreshed (etop)
 *     agner remsh NODE                     a JavaScript/TypeScript shell inside an Agner node
 *     agner new DIR                        a new project: an application, a supervisor, a GenServer, a test
 *
 * Options: --cookie C (else AGNER_COOKIE, else ~/.erlang.cookie), --sname N
 * or --name N@HOST for this command's own node (hidden, never registered
 * in EPMD; default `agner_cli_<pid>` on the target's host), --timeout MS
 * (rpc). EPMD is looked up on ERL_EPMD_PORT (default 4369).
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Atom, Runtime, Tuple, atom, connect, epmdNames, format, parseTerm, ping, rpc, setDefaultRuntime, silentLogger, startNode, startObserver, stopNode } from "../index.js";
import { top } from "./agner_top.js";
import { remsh } from "./agner_remsh.js";
import { newProject } from "./agner_new.js";

export const USAGE = `usage: agner COMMAND [OPTIONS]

commands:
  ping NODE                    is NODE up? prints pong (exit 0) or pang (exit 1)
  rpc NODE MOD FUN [ARG...]    calls MOD:FUN(ARG...) on NODE (each ARG an Erlang term: 42, ok, "str", <<"bin">>, {a,[1]})
  nodes [HOST]                 the node names EPMD knows on HOST (default localhost)
  top NODE                     the busiest processes of NODE, refreshed (q or Ctrl-C quits)
                                 --interval S (default 2), --lines N (default 15), --sort reductions|memory|msg_q, --once
  remsh NODE                   a JavaScript/TypeScript shell evaluating inside the Agner node NODE
  observer NODE                the web observer of NODE (BEAM or Agner), served here on loopback
                                 --port P (default: a free one); prints the URL with its token
  new DIR                      a new project in DIR: package.json, tsconfig, an application with a supervisor
                                 and a GenServer, a test; then npm install, npm test, npm start

options:
  --cookie C                   the cookie (else AGNER_COOKIE, else ~/.erlang.cookie)
  --sname NAME | --name NAME@HOST
                               this command's own node (hidden; default agner_cli_<pid>)
  --timeout MS                 how long rpc waits (default: forever)`;

/** A command-line mistake: the message and the usage, exit status 2. */
export class UsageError extends Error {}

export interface Options {
  cookie?: string;
  sname?: string;
  name?: string;
  timeout?: number;
  interval?: number;
  lines?: number;
  sort?: string;
  once?: boolean;
  port?: number;
}

const FLAGS = new Set(["cookie", "sname", "name", "timeout", "interval", "lines", "sort", "port"]);

/** Splits `argv` into positional words and options. */
export function parseArgs(argv: string[]): { words: string[]; opts: Options } {
  const words: string[] = [];
  const opts: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--once") opts.once = true;
    else if (a.startsWith("--") && FLAGS.has(a.slice(2))) {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      const k = a.slice(2);
      if (k === "port") {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${a} ${v}: not a port`);
        opts[k] = n;
      } else if (k === "timeout" || k === "interval" || k === "lines") {
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${a} ${v}: not a positive number`);
        opts[k] = n;
      } else opts[k] = v;
    } else if (a === "--help" || a === "-h") throw new UsageError("");
    else if (a.startsWith("--") && words.length < 4) throw new UsageError(`unknown option ${a}`);
    else words.push(a);
  }
  return { words, opts: opts as Options };
}

/** The host part of a node name, and the same kind of name for this command's node. */
function ownName(target: string, o: Options): string {
  if (o.name !== undefined) return o.name;
  const host = target.includes("@") ? target.slice(target.indexOf("@") + 1) : "localhost";
  const alive = o.sname ?? `agner_cli_${process.pid}`;
  return alive.includes("@") ? alive : `${alive}@${host}`;
}

/** The target's full name: `foo` means `foo@localhost`, as erl's tools take a short name. */
export function targetName(word: string | undefined): string {
  if (word === undefined || word === "") throw new UsageError("which node? (NODE missing)");
  return word.includes("@") ? word : `${word}@localhost`;
}

/** Starts this command's own hidden node, never registered in EPMD. */
export async function ownNode(target: string, o: Options): Promise<Runtime> {
  const rt = new Runtime({ logger: silentLogger });
  setDefaultRuntime(rt);
  await startNode({ name: ownName(target, o), cookie: o.cookie, hidden: true, epmd: "none", runtime: rt, logger: silentLogger });
  return rt;
}

const BADRPC = atom("badrpc");

/** Runs one command; resolves with the exit status. `out` receives what is printed. */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const { words, opts } = parseArgs(argv);
  const [cmd, ...rest] = words;
  switch (cmd) {
    case "nodes": {
      const host = rest[0] ?? "localhost";
      const port = Number(process.env.ERL_EPMD_PORT) || 4369;
      for (const n of await epmdNames({ host, port })) out(`name ${n.name} at port ${n.port}\n`);
      return 0;
    }
    case "ping": {
      const node = targetName(rest[0]);
      await ownNode(node, opts);
      const r = await ping(node);
      out(`${r.name}\n`);
      return r.name === "pong" ? 0 : 1;
    }
    case "rpc": {
      const node = targetName(rest[0]);
      const [mod, fn, ...args] = rest.slice(1);
      if (mod === undefined || fn === undefined) throw new UsageError("rpc needs NODE MOD FUN [ARG...]");
      const terms = args.map((a) => parseTerm(a));
      await ownNode(node, opts);
      const r = await rpc.call(node, atom(mod), atom(fn), terms, opts.timeout ?? Infinity);
      out(`${format(r)}\n`);
      return r instanceof Tuple && r[0] === BADRPC ? 1 : 0;
    }
    case "top": {
      const node = targetName(rest[0]);
      await ownNode(node, opts);
      return top(atom(node) as Atom, opts, out);
    }
    case "observer": {
      const node = targetName(rest[0]);
      await ownNode(node, opts);
      if (!(await connect(node))) {
        out(`${node} is not reachable (is it up, with this cookie?)\n`);
        return 1;
      }
      const h = await startObserver({ node, port: opts.port ?? 0 });
      out(`observer of ${node}: ${h.url}\n`);
      // Serves until the command is stopped (Ctrl-C).
      return new Promise<number>(() => {});
    }
    case "remsh": {
      const node = targetName(rest[0]);
      await ownNode(node, opts);
      return remsh(atom(node));
    }
    case "new": {
      const dir = rest[0];
      if (dir === undefined) throw new UsageError("new needs DIR");
      for (const f of newProject(dir)) out(`created ${f}\n`);
      out(`\nnext:\n  cd ${dir}\n  npm install\n  npm test\n  npm start\n`);
      return 0;
    }
    case undefined:
      throw new UsageError("");
  }
  throw new UsageError(`unknown command ${cmd}`);
}

async function run(): Promise<void> {
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) process.stderr.write(`agner: ${e.message}\n`);
      process.stderr.write(`${USAGE}\n`);
      code = 2;
    } else {
      process.stderr.write(`agner: ${e instanceof Error ? e.message : String(e)}\n`);
      code = 1;
    }
  }
  await stopNode().catch(() => undefined);
  process.exit(code);
}

// Run when started as a program (also through npm's bin symlink), not when imported.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) void run();
