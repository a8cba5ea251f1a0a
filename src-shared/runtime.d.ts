/**
 * Globals that both runtimes of src-shared provide (Node ≥ 17 and the browsers the renderer runs in), declared here
 * because tsconfig.shared.json gives src-shared neither lib.dom nor @types/node. Each side's own declaration (lib.dom,
 * @types/node) merges with this one as an overload. Add a global here only if both runtimes have it.
 */
declare function structuredClone<T>(value: T): T;
