/**
 * The C libraries Redis links into its Lua (cjson, struct, cmsgpack, bit),
 * opened as globals of a new interpreter, in luaLoadLibraries' order.
 * Each is a TypeScript port of the C file Redis 7.0.15 ships
 * (deps/lua/src/lua_*.c): see the lua_<name>.ts files.
 */
import { LuaAux } from "./lua_aux.js";
import { openBit } from "./lua_bit.js";
import { openCjson } from "./lua_cjson.js";
import { openCmsgpack } from "./lua_cmsgpack.js";
import { openStruct } from "./lua_struct.js";
import { type LuaState, type LuaVm } from "./lua_vm.js";

/** Opens Redis' extra libraries into L's globals. */
export function openRedisLibraries(vm: LuaVm, L: LuaState): void {
  const aux = new LuaAux(vm);
  openCjson(vm, L, aux);
  openStruct(vm, L, aux);
  openCmsgpack(vm, L, aux);
  openBit(vm, L, aux);
}
