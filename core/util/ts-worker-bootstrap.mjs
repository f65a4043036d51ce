// Loads a TypeScript worker entry through tsx. Workers do not inherit the loader hooks that tsx and vitest
// install on the main thread, so a .ts entry (development, tests) starts here; a built .js entry does not.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[2]);
