/** The slice of the WebAssembly JS API the Lua VM uses (the project's TS libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmTable {
  get(i: number): unknown;
  set(i: number, v: unknown): void;
  grow(n: number): number;
}
export type WasmModule = object;
interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}
export const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
