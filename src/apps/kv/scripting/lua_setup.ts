/**
 * The Lua that sets up a script interpreter (run once, with the real
 * globals as its environment): what Redis does not load is removed, Redis'
 * pcall and error handler installed, loadstring/load made to read chunks as
 * Redis' Lua does, and every table reachable from the globals protected by
 * a read-only proxy (see script_lua.ts). Its arguments come from LuaEnv's
 * setup; it returns the protected globals.
 */

/** Globals a script may see (script_lua.c's allow lists); anything else a library adds is removed. */
export const ALLOWED_GLOBALS = new Set([
  "string", "cjson", "bit", "cmsgpack", "math", "table", "struct",
  "redis", "__redis__err__handler",
  "xpcall", "tostring", "setmetatable", "next", "assert", "tonumber", "rawequal", "collectgarbage",
  "getmetatable", "rawset", "pcall", "coroutine", "type", "_G", "select", "unpack", "gcinfo", "pairs", "rawget",
  "loadstring", "ipairs", "_VERSION", "load", "error", "debug",
]);

/**
 * Run once at start, with the real globals as its environment: removes
 * what Redis does not load, installs Redis' pcall and error handler, then
 * protects every table reachable from the globals, and returns the
 * protected globals (the environment of everything loaded afterwards).
 */
export const SETUP_LUA = `
local ro_newindex, global_index, allowed, pausable, own, hook_paused, normalize = ...
local G = _G
local orig = { next = next, pairs = pairs, rawset = rawset, rawget = rawget, setmetatable = setmetatable,
  getmetatable = getmetatable, pcall = pcall, type = type }
local next, rawset, rawget, setmetatable, getmetatable, type = orig.next, orig.rawset, orig.rawget, orig.setmetatable, orig.getmetatable, orig.type
for k in orig.pairs(G) do if not allowed[k] then rawset(G, k, nil) end end

-- Redis' pcall: an error table with an 'err' field becomes that message.
local pcall0 = orig.pcall
local function pcall_result(ok, ...)
  if ok then return true, ... end
  local e = ...
  if type(e) == 'table' then
    local m = e.err
    if type(m) == 'string' or type(m) == 'number' then e = m end
  end
  return false, e
end
local dbg = debug
-- loadstring reads long brackets as Redis' Lua does (lua_source.ts), under the name it was given.
local loadstring0, load0, concat = loadstring, load, table.concat
rawset(G, 'loadstring', function(s, name)
  if type(s) == 'string' then return loadstring0(normalize(s), name or s) end
  return loadstring0(s, name)
end)
rawset(G, 'load', function(f, name)
  if type(f) ~= 'function' then return load0(f, name) end
  local parts = {}
  while true do
    local p = f()
    if p == nil or p == '' then break end
    if type(p) ~= 'string' then return nil, 'reader function must return a string' end
    parts[#parts + 1] = p
  end
  return loadstring0(normalize(concat(parts)), name or '=(load)')
end)
-- A Lua function given to pcall runs in a coroutine of its own, so that a script paused by the busy hook
-- inside a pcall can pause as a whole (Lua 5.1 cannot yield across the C pcall): the pause is passed out.
local co_create, co_resume, co_status, co_yield = coroutine.create, coroutine.resume, coroutine.status, coroutine.yield
local function pcall_step(co, ok, ...)
  if co_status(co) ~= 'suspended' then
    own(co, false)
    if ok then return true, ... end
    return pcall_result(false, ...)
  end
  if not hook_paused() then
    own(co, false)
    return false, 'attempt to yield across metamethod/C-call boundary'
  end
  co_yield()
  return pcall_step(co, co_resume(co))
end
rawset(G, 'pcall', function(f, ...)
  if type(f) ~= 'function' or not pausable() or dbg.getinfo(f, 'S').what ~= 'Lua' then return pcall_result(pcall0(f, ...)) end
  local co = co_create(f)
  own(co, true)
  return pcall_step(co, co_resume(co, ...))
end)

rawset(G, 'debug', nil)
rawset(G, '__redis__err__handler', function(err)
  local i = dbg.getinfo(2, 'nSl')
  if i and i.what == 'C' then
    i = dbg.getinfo(3, 'nSl')
  end
  if type(err) ~= 'table' then
    err = {err = 'ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end)

-- Read-only tables: a proxy per table, reading through, refusing writes.
local real_of = {}
local proxy_of = {}
local function protect(t)
  if real_of[t] then return t end
  local p = proxy_of[t]
  if p then return p end
  p = {}
  proxy_of[t] = p
  real_of[p] = t
  for k, v in next, t do
    if type(v) == 'table' then rawset(t, k, protect(v)) end
  end
  setmetatable(p, { __index = t, __newindex = ro_newindex })
  return p
end
local function real(t) return real_of[t] or t end
local function readonly(t) return real_of[t] ~= nil end

rawset(G, 'next', function(t, k) return next(real(t), k) end)
rawset(G, 'pairs', function(t) return orig.pairs(real(t)) end)
rawset(G, 'rawget', function(t, k) return rawget(real(t), k) end)
rawset(G, 'rawset', function(t, k, v)
  if readonly(t) then error('Attempt to modify a readonly table', 0) end
  return rawset(t, k, v)
end)
rawset(G, 'setmetatable', function(t, mt)
  if readonly(t) then error('Attempt to modify a readonly table', 0) end
  return setmetatable(t, mt)
end)
rawset(G, 'getmetatable', function(t)
  local m = getmetatable(real(t))
  return proxy_of[m] or m
end)

local pG = protect(G)
-- The strings' metatable is read-only too (its __index is the string library).
protect(getmetatable(''))
-- _G itself: reads of a missing global are an error, writes are refused.
setmetatable(G, { __index = global_index })
rawset(G, '_G', pG)
return pG
`;

