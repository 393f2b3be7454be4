export { call, cast, reply as replyTo, serverName, CallOp, CallError, timeoutTerm } from "./gen.js";
export type { CallSpec, ReplyTo, ServerRef, From } from "./gen.js";
export { start as procLibStart, StartOp, StartError, okPid } from "./proc_lib.js";
export type { StartResult, Ack, StartOptions } from "./proc_lib.js";
export { GenServer, StartServerOp, ok, ignore, reply, noreply, stop } from "./gen_server.js";
export type { InitResult, CallResult, CastResult, Next, Ok, Ignore, Reply, NoReply, Stop, ServerOptions, ServerPid } from "./gen_server.js";
export { Supervisor, ChildSpecError } from "./supervisor.js";
export type { ChildSpec, ChildInfo, SupervisorOptions, Restart, Shutdown, Strategy } from "./supervisor.js";
