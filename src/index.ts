/**
 * Agner: Erlang/OTP for TypeScript. The curated public API: values first,
 * then types. Internals are not importable from outside the package.
 */
export {
  AgnerError,
  TermError,
  Atom,
  AtomError,
  AtomTableFullError,
  atom,
  existingAtom,
  atomCount,
  atomLimit,
  setAtomLimit,
  isAtom,
  Tuple,
  t,
  tupleOf,
  isTuple,
  Pid,
  Ref,
  Port,
  ExternalPid,
  ExternalRef,
  ExternalPort,
  isPid,
  isRef,
  isPort,
  ImproperList,
  improperList,
  isImproperList,
  Float,
  float,
  isFloat,
  BitString,
  Fun,
  Export,
  LocalTerm,
  TermMap,
  equals,
  compare,
  hash,
  inspect,
  format,
  parseTerm,
} from "./term/index.js";
export { encode, decode, Decoder, Encoder, EtfError, EtfDecodeError, EtfEncodeError } from "./etf/index.js";
export {
  Runtime,
  VirtualClock,
  systemClock,
  RuntimeError,
  BadArgError,
  NotInProcessError,
  ExitError,
  ExitException,
  consoleLogger,
  silentLogger,
  _,
  list,
  isNumber,
  isInteger,
  isString,
  isBinary,
  isList,
  receive,
  on,
  after,
  sleep,
  await_,
  yieldNow,
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
  run,
  /** @deprecated `run()` rejects with {@link ExitError}, the same class. */
  ProcessExitError,
} from "./runtime/index.js";

export {
  GenServer,
  call,
  cast,
  replyTo,
  serverName,
  ok,
  ignore,
  reply,
  noreply,
  stop,
  CallError,
  StartError,
  Supervisor,
  ChildSpecError,
  Agent,
  Task,
  DynamicSupervisor,
  Registry,
  Via,
  sys,
  hotSwap,
  charlist,
  Application,
  TaskSupervisor,
} from "./otp/index.js";

export { startNode, stopNode, distInfo, connect, disconnect, ping, nodes, monitorNodes, rpc, RpcCall, DistError, DistConnectError, EpmdError } from "./distribution/index.js";
export { epmdNames } from "./distribution/index.js";
export { disconnectNode, setNetTicktime, getNetTicktime, nodesInfo } from "./distribution/index.js";
export type { NodeTraffic } from "./distribution/index.js";
export { pg, pubsub } from "./distribution/index.js";
export type { PgUpdate, PubSubOptions } from "./distribution/index.js";
export { global, GlobalOp } from "./distribution/index.js";
export { distAc, SyncNodesError } from "./distribution/index.js";
export type { DistAcConfig, DistAcInfo, DistributedApp } from "./distribution/index.js";

export type { Tup } from "./term/index.js";
export type { DecodeOptions, EncodeOptions } from "./etf/index.js";
export type {
  Call,
  CallSpec,
  ReplyTo,
  ServerRef,
  From,
  InitResult,
  CallResult,
  CastResult,
  Next,
  ServerOptions,
  ServerPid,
  ServerStatus,
  StartResult,
  ChildSpec,
  ChildInfo,
  SupervisorOptions,
  Restart,
  Shutdown,
  Strategy,
  ChildStart,
  ChildCounts,
  SupOp,
  SupReply,
  DynamicChildSpec,
  AgentRef,
  TaskFn,
  DynamicSupervisorOptions,
  RegistryOptions,
  ViaModule,
  ApplicationSpec,
  StartType,
} from "./otp/index.js";
export type {
  Actor,
  Clock,
  Infer,
  Logger,
  LogEvent,
  LogLevel,
  MonitorOptions,
  Dest,
  ProcessBody,
  ProcessInfo,
  RuntimeOptions,
} from "./runtime/index.js";
export type { NodeOptions, NodeKind, MonitorNodesOptions, ExportedFn, TlsOptions, EpmdMode, EpmdInfo, ListenInfo } from "./distribution/index.js";
export type { NetTicktime, NetTicktimeChange } from "./distribution/index.js";
export type { LockId, ResolveMethod, GlobalOptions } from "./distribution/index.js";

// observer: what the web observer (src/observer/) reads beyond the API above.
export { runtimeStatistics } from "./runtime/index.js";
export type { RuntimeStatistics } from "./runtime/index.js";
// Reports a layer above offers to inspectors (the KV server's to the observer's KV page).
export { provideReport, readReport } from "./distribution/index.js";
export type { ReportReader } from "./distribution/index.js";
export { startObserver } from "./observer/index.js";
export type { ObserverOptions, ObserverHandle } from "./observer/index.js";
// The remote shell (`agner remsh`): started explicitly, loaded only then.
export { startRemoteShell } from "./cli/remote_shell.js";
