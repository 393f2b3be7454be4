export { Runtime, deepFreeze } from "./runtime.js";
export type { RuntimeOptions, ProcessBody, RemoteRouter } from "./runtime.js";
export type { Actor } from "./process.js";
export { VirtualClock, systemClock } from "./clock.js";
export type { Clock } from "./clock.js";
export { RuntimeError, BadArgError, NotInProcessError, ExitError } from "./errors.js";
export { ExitException } from "./signals.js";
export * as wire from "./atoms.js";
export { consoleLogger, silentLogger } from "./logger.js";
export type { Logger, LogEvent, LogLevel } from "./logger.js";
export { _, Wildcard, ListPattern, list, matches, isNumber, isInteger, isString, isBinary, isList } from "./pattern.js";
export type { Infer } from "./pattern.js";
export { receive, on, after, sleep, await_, yieldNow, Op, WaitOp, ReceiveOp, CustomReceive, AwaitOp, Clause, After } from "./receive.js";
export {
  runtime,
  setDefaultRuntime,
  self,
  spawn,
  spawnLink,
  spawnMonitor,
  send,
  exit,
  link,
  unlink,
  monitor,
  monitorNode,
  node,
  alias,
  unalias,
  demonitor,
  processFlag,
  register,
  unregister,
  whereis,
  registered,
  makeRef,
  sendAfter,
  cancelTimer,
  readTimer,
  isAlive,
  processes,
  processInfo,
  runtimeStatistics,
  estimateMemory,
  run,
  ProcessExitError,
} from "./erlang.js";
export type { ProcessInfo, RuntimeStatistics, MonitorOptions, Dest } from "./erlang.js";
