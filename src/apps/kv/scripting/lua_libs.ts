/**
 * The C libraries Redis links into its Lua (cjson, struct, cmsgpack, bit),
 * opened as globals of a new interpreter.
 */
import { type LuaState, type LuaVm } from "./lua_vm.js";

/** Opens Redis' extra libraries into L's globals. */
export function openRedisLibraries(_vm: LuaVm, _L: LuaState): void {}
