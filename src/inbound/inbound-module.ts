// The inbound feature module: its hooks into the pipeline (see ../pipeline.ts), listed in main.ts.
import type { ModuleFactory } from '../pipeline.ts';

export const inboundModule: ModuleFactory = () => ({ name: 'inbound' });
