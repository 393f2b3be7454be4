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

export const RUNNING = atom("running");
export const RUNNABLE = atom("runnable");
export const WAITING = atom("waiting");
export const EXITING = atom("exiting");
