// Durable runs on the memory hub: the contract (test/runs-contract.ts), in one process.
import { createHub } from '../src/index.js';
import { runsContract } from './runs-contract.js';

runsContract({ name: 'memory hub', hub: () => createHub() });
