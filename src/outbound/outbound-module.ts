// The outbound feature module: its hooks into the pipeline (see ../pipeline.ts), listed in main.ts.
import type { ModuleFactory } from '../pipeline.ts';

export const outboundModule: ModuleFactory = () => ({ name: 'outbound' });
