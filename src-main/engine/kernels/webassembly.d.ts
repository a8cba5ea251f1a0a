/**
 * The part of the WebAssembly JS API that the GEMM kernel uses. Node implements it, but TypeScript declares it only in
 * lib.dom, which the main process is not compiled with (tsconfig.main.json), and @types/node 20 does not declare it.
 */
declare namespace WebAssembly {
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: ArrayBuffer | ArrayBufferView);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
