/** Wire atoms used by the runtime, in one place. */
import { atom } from "../term/atom.js";

export const NORMAL = atom("normal");
export const KILL = atom("kill");
export const KILLED = atom("killed");
export const NOPROC = atom("noproc");
export const SHUTDOWN = atom("shutdown");
export const EXIT = atom("EXIT");
export const DOWN = atom("DOWN");
export const PROCESS = atom("process");
export const TIMEOUT = atom("timeout");
export const UNDEFINED = atom("undefined");
export const NONODE = atom("nonode@nohost");
export const ERLANG = atom("erlang");
export const APPLY = atom("apply");
export const JS = atom("js");
export const NOCATCH = atom("nocatch");
export const NOCONNECTION = atom("noconnection");
export const NODEDOWN = atom("nodedown");
export const NODEUP = atom("nodeup");

export const RUNNING = atom("running");
export const RUNNABLE = atom("runnable");
export const WAITING = atom("waiting");
export const EXITING = atom("exiting");

// OTP protocol atoms (gen, gen_server, proc_lib, supervisor).
export const GEN_CALL = atom("$gen_call");
export const GEN_CAST = atom("$gen_cast");
export const ALIAS = atom("alias");
export const OK = atom("ok");
export const ERROR = atom("error");
export const IGNORE = atom("ignore");
export const INFINITY = atom("infinity");
export const CALL = atom("call");
export const GEN_SERVER = atom("gen_server");
export const ACK = atom("$agner_init_ack");
export const BAD_CALL = atom("bad_call");
export const BAD_CAST = atom("bad_cast");
export const BAD_RETURN = atom("bad_return_value");
