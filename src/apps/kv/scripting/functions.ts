/**
 * Redis 7 functions (functions.c, Redis 7.0.15): libraries of named
 * functions, loaded by FUNCTION LOAD from code that starts with a
 * metadata line (`#!lua name=mylib`), kept apart from EVAL's scripts (an
 * interpreter of their own: see function_lua.ts), and called by FCALL.
 *
 * Library names are case-sensitive; function names are not (FCALL MYFUNC
 * calls myfunc), and two libraries cannot both have a function of a name.
 * What FUNCTION answers, including FUNCTION DUMP's payload (Redis' RDB
 * opcode for a library followed by its code, then the RDB version and a
 * CRC-64, as DUMP's), is Redis' byte for byte; running a function on the
 * data is the server's (server/script_run.ts).
 *
 * @example
 * const fs = new FunctionsState();
 * fs.load(["FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)"]); // "lib"
 * fs.get("F"); // the function f
 */
import { stringMatch } from "../commands/glob.js";
import { parseInt64 } from "../commands/numbers.js";
import { splitArgs } from "../resp/resp.js";
import { ErrorReply, MapReply, OK, type Reply, SetReply, SimpleString } from "../resp/reply.js";
import { crc64Bytes } from "../rdb/crc64.js";
import { RdbReader, RdbWriter } from "../rdb/rdb_lengths.js";
import { loadString, saveString } from "../rdb/rdb_string.js";
import { RDB_VERSION, verifyDumpPayload } from "../rdb/rdb_value.js";
import { checkFlags } from "./eval.js";
import { FunctionEngine, validName } from "./function_lua.js";
import { FLAG_NAMES, type ScriptFlags } from "./script.js";
import { type LuaFunctionRef } from "./script_lua.js";

/** RDB_OPCODE_FUNCTION2: a library (its code) in an RDB file or a FUNCTION DUMP payload. */
export const RDB_OPCODE_FUNCTION2 = 245;
/** RDB_OPCODE_FUNCTION: a library as Redis 7.0's release candidates saved it (name, engine, description, code). */
export const RDB_OPCODE_FUNCTION = 246;

/** One function of a library. */
export interface FunctionInfo {
  readonly name: string;
  readonly ref: LuaFunctionRef;
  readonly desc: string | null;
  readonly flags: ScriptFlags;
  readonly library: Library;
}

/** A loaded library: its name, its whole code (metadata line included), its functions in the order registered. */
export interface Library {
  readonly name: string;
  readonly code: string;
  readonly functions: FunctionInfo[];
}

/** A set of libraries (functionsLibCtx): the server's, or one being built by FUNCTION RESTORE. */
class Libraries {
  readonly libraries = new Map<string, Library>();
  /** By lower-cased name. */
  readonly functions = new Map<string, FunctionInfo>();

  link(lib: Library): void {
    this.libraries.set(lib.name, lib);
    // Redis' function dict refuses a second name differing only in case; the first one stays.
    for (const f of lib.functions) if (!this.functions.has(f.name.toLowerCase())) this.functions.set(f.name.toLowerCase(), f);
  }

  unlink(lib: Library): void {
    this.libraries.delete(lib.name);
    for (const f of lib.functions) if (this.functions.get(f.name.toLowerCase()) === f) this.functions.delete(f.name.toLowerCase());
  }

  functionCount(): number {
    let n = 0;
    for (const l of this.libraries.values()) n += l.functions.length;
    return n;
  }
}

const HELP = [
  "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "LOAD [REPLACE] <FUNCTION CODE>",
  "    Create a new library with the given library name and code.",
  "DELETE <LIBRARY NAME>",
  "    Delete the given library.",
  "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
  "    Return general information on all the libraries:",
  "    * Library name",
  "    * The engine used to run the Library",
  "    * Library description",
  "    * Functions list",
  "    * Library code (if WITHCODE is given)",
  "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
  "STATS",
  "    Return information about the current function running:",
  "    * Function name",
  "    * Command used to run the function",
  "    * Duration in MS that the function is running",
  "    If no function is running, return nil",
  "    In addition, returns a list of available engines.",
  "KILL",
  "    Kill the current running function.",
  "FLUSH [ASYNC|SYNC]",
  "    Delete all the libraries.",
  "    When called without the optional mode argument, the behavior is determined by the",
  "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
  "    * ASYNC: Asynchronously flush the libraries.",
  "    * SYNC: Synchronously flush the libraries.",
  "DUMP",
  "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
  "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
  "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
  "    control how to handle existing libraries (default APPEND):",
  "    * FLUSH: delete all existing libraries.",
  "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
  "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
  "      libraries with the new libraries (notice that even on this option there is a chance of failure",
  "      in case of functions name collision with another library).",
  "HELP",
  "    Prints this help.",
].map((l) => new SimpleString(l));

/** functionExtractLibMetaData: engine, name and the code after the metadata line, or the error text. */
export function libraryMetadata(code: string): { engine: string; name: string; body: string } | string {
  if (!code.startsWith("#!")) return "Missing library metadata";
  const end = code.indexOf("\n");
  if (end < 0) return "Invalid library metadata";
  const parts = splitArgs(Buffer.from(code.slice(0, end), "latin1"), 0, end);
  if (parts === null || parts.length === 0) return "Invalid library metadata";
  let name: string | null = null;
  for (const p of parts.slice(1)) {
    if (p.slice(0, 5).toLowerCase() !== "name=") return `Invalid metadata value given: ${p}`;
    if (name !== null) return "Invalid metadata value, name argument was given multiple times";
    name = p.slice(5);
  }
  if (name === null) return "Library name was not given";
  return { engine: parts[0]!.slice(2), name, body: code.slice(end) };
}

/** What a function run is told: the running script (for FUNCTION STATS) and its command line. */
export interface RunningInfo {
  readonly mode: "eval" | "fcall";
  readonly name: string;
  readonly argv: readonly string[];
  elapsed(): number;
}

/** The server's functions: the engine, the libraries, and the FUNCTION subcommands. */
export class FunctionsState {
  private engineInstance: FunctionEngine | null = null;
  private current = new Libraries();
  /** Where a library's redis.log writes at load time. */
  log: (level: number, text: string) => void = () => {};

  /** The interpreter (made on first use). */
  get engine(): FunctionEngine {
    if (this.engineInstance === null) {
      this.engineInstance = new FunctionEngine();
      this.engineInstance.log = (level, text) => this.log(level, text);
    }
    return this.engineInstance;
  }

  /**
   * FCALL/FCALL_RO argv up to running (fcallCommandGeneric): the function,
   * numkeys, and the checks of its flags (scriptPrepareForRun). `oom`:
   * used memory is over maxmemory.
   */
  prepare(argv: readonly string[], ro: boolean, oom = false): { fn: FunctionInfo; keys: readonly string[]; args: readonly string[] } | ErrorReply {
    const fn = this.get(argv[1]!);
    if (fn === undefined) return new ErrorReply("ERR Function not found");
    const n = parseInt64(argv[2]!);
    if (n === null) return new ErrorReply("ERR Bad number of keys provided");
    if (n > argv.length - 3) return new ErrorReply("ERR Number of keys can't be greater than number of args");
    if (n < 0) return new ErrorReply("ERR Number of keys can't be negative");
    const check = checkFlags(fn.flags, ro, oom);
    if (check !== null) return check;
    const k = Number(n);
    return { fn, keys: argv.slice(3, 3 + k), args: argv.slice(3 + k) };
  }

  /** The function FCALL names (case-insensitive), if loaded. */
  get(name: string): FunctionInfo | undefined {
    return this.current.functions.get(name.toLowerCase());
  }

  /** The interpreter if one was made (INFO does not make one). */
  get engineIfMade(): FunctionEngine | null {
    return this.engineInstance;
  }

  /** Bytes of the libraries' code (used_memory_functions). */
  get codeBytes(): number {
    let n = 0;
    for (const l of this.current.libraries.values()) n += l.code.length;
    return n;
  }

  get libraryCount(): number {
    return this.current.libraries.size;
  }

  get functionCount(): number {
    return this.current.functionCount();
  }

  /** Every library's code (the AOF rewrite writes a FUNCTION LOAD of each). */
  codes(): string[] {
    return [...this.current.libraries.values()].map((l) => l.code);
  }

  /**
   * functionsCreateWithLibraryCtx: compiles and loads `code` into `into`
   * (replacing a library of its name when `replace`): the library's name,
   * or the error.
   */
  private create(code: string, replace: boolean, into: Libraries): string | ErrorReply {
    const md = libraryMetadata(code);
    if (typeof md === "string") return new ErrorReply(`ERR ${md}`);
    if (!validName(md.name)) {
      return new ErrorReply("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
    }
    if (md.engine.toLowerCase() !== "lua") return new ErrorReply(`ERR Engine '${md.engine}' not found`);
    const old = into.libraries.get(md.name);
    if (old !== undefined && !replace) return new ErrorReply(`ERR Library '${md.name}' already exists`);
    if (old !== undefined) into.unlink(old);
    const fail = (e: ErrorReply, made: readonly { ref: LuaFunctionRef }[]) => {
      for (const f of made) this.engine.release(f.ref);
      if (old !== undefined) into.link(old);
      return e;
    };
    const made = this.engine.create(md.body);
    if (typeof made === "string") return fail(new ErrorReply(`ERR ${made}`), []);
    if (made.length === 0) return fail(new ErrorReply("ERR No functions registered"), made);
    const clash = made.find((f) => into.functions.has(f.name.toLowerCase()));
    if (clash !== undefined) return fail(new ErrorReply(`ERR Function ${clash.name} already exists`), made);
    const lib: Library = { name: md.name, code, functions: [] };
    for (const f of made) lib.functions.push({ ...f, library: lib });
    into.link(lib);
    if (old !== undefined) this.releaseLibrary(old);
    return md.name;
  }

  private releaseLibrary(lib: Library): void {
    for (const f of lib.functions) this.engine.release(f.ref);
  }

  /** FUNCTION LOAD [REPLACE] code. */
  load(argv: readonly string[]): Reply {
    let replace = false;
    let i = 2;
    for (; i < argv.length - 1; i++) {
      if (argv[i]!.toLowerCase() === "replace") replace = true;
      else return new ErrorReply(`ERR Unknown option given: ${argv[i]}`);
    }
    if (i >= argv.length) return new ErrorReply("ERR Function code is missing");
    return this.create(argv[i]!, replace, this.current);
  }

  /** FUNCTION DELETE name. */
  delete(name: string): Reply {
    const lib = this.current.libraries.get(name);
    if (lib === undefined) return new ErrorReply("ERR Library not found");
    this.current.unlink(lib);
    this.releaseLibrary(lib);
    return OK;
  }

  /** FUNCTION FLUSH [ASYNC|SYNC]. */
  flush(argv: readonly string[]): Reply {
    if (argv.length > 3) return subcommandSyntax(argv);
    if (argv.length === 3 && !["sync", "async"].includes(argv[2]!.toLowerCase())) {
      return new ErrorReply("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    }
    for (const lib of this.current.libraries.values()) this.releaseLibrary(lib);
    this.current = new Libraries();
    return OK;
  }

  /** FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]. */
  list(argv: readonly string[]): Reply {
    let withCode = false;
    let pattern: string | null = null;
    for (let i = 2; i < argv.length; i++) {
      const a = argv[i]!.toLowerCase();
      if (!withCode && a === "withcode") {
        withCode = true;
        continue;
      }
      if (pattern === null && a === "libraryname") {
        if (i >= argv.length - 1) return new ErrorReply("ERR library name argument was not given");
        pattern = argv[++i]!;
        continue;
      }
      return new ErrorReply(`ERR Unknown argument ${argv[i]}`);
    }
    const out: Reply[] = [];
    for (const lib of this.current.libraries.values()) {
      if (pattern !== null && !stringMatch(pattern, lib.name, true)) continue;
      const fns = lib.functions.map(
        (f) =>
          new MapReply([
            ["name", f.name],
            ["description", f.desc],
            ["flags", new SetReply(FLAG_NAMES.filter(([, k]) => f.flags[k]).map(([n]) => new SimpleString(n)))],
          ]),
      );
      const entries: [Reply, Reply][] = [
        ["library_name", lib.name],
        ["engine", "LUA"],
        ["functions", fns],
      ];
      if (withCode) entries.push(["library_code", lib.code]);
      out.push(new MapReply(entries));
    }
    return out;
  }

  /** FUNCTION STATS: the function running now (a running EVAL script answers BUSY instead) and the engine's counts. */
  stats(running: RunningInfo | null, busyEval: ErrorReply): Reply {
    if (running !== null && running.mode === "eval") return busyEval;
    const run =
      running === null
        ? null
        : new MapReply([
            ["name", running.name],
            ["command", [...running.argv]],
            ["duration_ms", Math.floor(running.elapsed())],
          ]);
    return new MapReply([
      ["running_script", run],
      ["engines", new MapReply([["LUA", new MapReply([["libraries_count", this.current.libraries.size], ["functions_count", this.current.functionCount()]])]])],
    ]);
  }

  /** FUNCTION DUMP: each library as RDB_OPCODE_FUNCTION2 and its code, then the RDB version and the CRC-64. */
  dump(): string {
    const w = new RdbWriter();
    for (const lib of this.current.libraries.values()) {
      w.byte(RDB_OPCODE_FUNCTION2);
      saveString(w, lib.code);
    }
    w.byte(RDB_VERSION & 0xff);
    w.byte(RDB_VERSION >> 8);
    w.bytes(crc64Bytes(w.finish()));
    return Buffer.from(w.finish()).toString("latin1");
  }

  /** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]. */
  restore(argv: readonly string[]): Reply {
    if (argv.length > 4) return subcommandSyntax(argv);
    let policy = "append";
    if (argv.length === 4) {
      policy = argv[3]!.toLowerCase();
      if (policy !== "append" && policy !== "replace" && policy !== "flush") {
        return new ErrorReply("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      }
    }
    const data = Buffer.from(argv[2]!, "latin1");
    if (!verifyDumpPayload(data)) return new ErrorReply("ERR DUMP payload version or checksum are wrong");
    const loaded = new Libraries();
    const fail = (text: string) => {
      for (const lib of loaded.libraries.values()) this.releaseLibrary(lib);
      return new ErrorReply(`ERR ${text}`);
    };
    const r = new RdbReader(data);
    while (data.length - r.pos > 10) {
      const type = r.byte();
      if (type !== RDB_OPCODE_FUNCTION && type !== RDB_OPCODE_FUNCTION2) return fail("given type is not a function");
      const code = readLibrary(r, type);
      if (typeof code !== "string") return fail(code.error);
      const made = this.create(code, false, loaded);
      if (made instanceof ErrorReply) return fail(made.text.replace(/^ERR /, ""));
    }
    if (policy === "flush") {
      for (const lib of this.current.libraries.values()) this.releaseLibrary(lib);
      this.current = loaded;
      return OK;
    }
    // libraryJoin: same-named libraries out (REPLACE) or an error (APPEND), then no function may clash.
    const replaced: Library[] = [];
    const undo = () => {
      for (const lib of replaced) this.current.link(lib);
    };
    for (const lib of loaded.libraries.values()) {
      const old = this.current.libraries.get(lib.name);
      if (old === undefined) continue;
      if (policy !== "replace") {
        undo();
        return fail(`Library ${lib.name} already exists`);
      }
      this.current.unlink(old);
      replaced.push(old);
    }
    for (const f of loaded.functions.values()) {
      if (this.current.functions.has(f.name.toLowerCase())) {
        undo();
        return fail(`Function ${f.name} already exists`);
      }
    }
    for (const lib of loaded.libraries.values()) this.current.link(lib);
    for (const lib of replaced) this.releaseLibrary(lib);
    return OK;
  }

  /** A FUNCTION record of the append-only file, applied at load: its reply (an error is only logged there). */
  replay(argv: readonly string[]): Reply {
    switch (argv[1]?.toLowerCase()) {
      case "load":
        return argv.length >= 3 ? this.load(argv) : new ErrorReply("ERR Function code is missing");
      case "delete":
        return argv.length === 3 ? this.delete(argv[2]!) : subcommandSyntax(argv);
      case "flush":
        return this.flush(argv);
      case "restore":
        return argv.length >= 3 ? this.restore(argv) : subcommandSyntax(argv);
      default:
        return new ErrorReply(`ERR FUNCTION ${argv[1] ?? ""} is not a change to replay`);
    }
  }

  /** FUNCTION HELP. */
  help(): Reply {
    return HELP;
  }
}

/** rdbFunctionLoad's reading of one library: its code, or the error text. */
function readLibrary(r: RdbReader, type: number): string | { error: string } {
  const read = (what: string): string => {
    try {
      return loadString(r);
    } catch {
      throw new Error(what);
    }
  };
  try {
    if (type === RDB_OPCODE_FUNCTION2) return read("Failed loading library payload");
    // Redis 7.0's release candidates: name, engine, a description flag (and description), then the code.
    const name = read("Failed loading library name");
    const engine = read("Failed loading engine name");
    let hasDesc: number;
    try {
      hasDesc = r.len();
    } catch {
      throw new Error("Failed loading library description indicator");
    }
    if (hasDesc !== 0) read("Failed loading library description");
    const blob = read("Failed loading library blob");
    return `#!${engine} name=${name}\n${blob}`;
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function subcommandSyntax(argv: readonly string[]): ErrorReply {
  return new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try ${argv[0]!.toUpperCase()} HELP.`);
}
