/** The distribution transport: what the semantics layer (net_kernel, remote signals) builds on. */
export { DistTransport, runtimeTimers } from "./transport.js";
export { nodeName, splitNodeName, splitPeerName, shortHostname, longHostname } from "./node_name.js";
export type { NodeNameParts } from "./node_name.js";
export { resolveCookie, checkCookie, randomCookie } from "./auth.js";
export { EpmdError, defaultEpmdPort, epmdNames } from "./epmd_client.js";
export { EpmdServer, epmdListenAddresses } from "./epmd_server.js";
export { startEpmdDaemon } from "./epmd_daemon.js";
export type { EpmdDaemon } from "./epmd_daemon.js";
export { loopbackFor } from "./node_name.js";
export type {
  ConnectionHandler,
  ConnectionStats,
  DistConnection,
  DistTimers,
  DistTransportOptions,
  EpmdEntry,
  EpmdInfo,
  EpmdMode,
  ListenInfo,
  TlsOptions,
} from "./types.js";
export { OP, HAS_PAYLOAD, encodeControl, decodeControl, toControl, opName } from "./control.js";
export type {
  ControlMessage,
  ControlOp,
  SendMsg,
  RegSendMsg,
  AliasSendMsg,
  LinkMsg,
  UnlinkMsg,
  UnlinkIdMsg,
  UnlinkIdAckMsg,
  ExitMsg,
  Exit2Msg,
  NodeLinkMsg,
  GroupLeaderMsg,
  MonitorMsg,
  DemonitorMsg,
  MonitorExitMsg,
  SpawnRequestMsg,
  SpawnReplyMsg,
} from "./control.js";
export { DFLAG, MANDATORY_25, MANDATORY_26, OFFERED, REQUIRED, hasFlags, expandFlags, flagNames, missingFlags } from "./flags.js";
export type { DistFlags, DistFlagName } from "./flags.js";
export { DistError, DistProtocolError, DistConnectError } from "./errors.js";

// The semantics: the node, net_kernel, rex and rpc.
export { startNode, stopNode, distInfo, connect, disconnect, ping, nodes, monitorNodes, rpc, RpcCall } from "./node.js";
export { disconnectNode, setNetTicktime, getNetTicktime, nodesInfo } from "./node.js";
export type { NodeTraffic } from "./node.js";
export type { NodeOptions, TransportFactory } from "./node.js";
export type { NetTicktime, NetTicktimeChange } from "./node.js";
export { NetKernel } from "./net_kernel.js";
export type { NodeKind, MonitorNodesOptions, Transport } from "./net_kernel.js";
export type { ExportedFn, BuiltinModule } from "./rex.js";
export { defineBuiltinModule } from "./rex.js";
export { remoteShellOn } from "./introspection.js";
export { provideReport, readReport } from "./introspection_reports.js";
export type { ReportReader } from "./introspection_reports.js";
// Process groups (OTP's pg) and the Phoenix.PubSub-style broadcast on them.
export { pg } from "./pg.js";
export type { PgUpdate } from "./pg.js";
export { pubsub, PUBSUB_SCOPE } from "./pg_pubsub.js";
export type { PubSubOptions } from "./pg_pubsub.js";
export { global, globalVia, GlobalOp } from "./global.js";
export type { LockId, ResolveMethod } from "./global.js";
export type { GlobalOptions } from "./global_server.js";
// Distributed applications (OTP's dist_ac, kernel's `distributed` and `sync_nodes_*`).
export { distAc, SyncNodesError } from "./dist_ac.js";
export type { DistAcConfig, DistAcInfo, DistributedApp } from "./dist_ac.js";
