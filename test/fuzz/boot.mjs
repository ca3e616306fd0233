// Worker entry: TypeScript through tsx (a worker does not inherit the parent's --import), then the worker proper.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
