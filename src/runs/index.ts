/**
 * Durable runs: LLM-grade streams that survive reloads, follow the user across tabs and nodes,
 * and cancel for real. See `createRuns`.
 */
export {
  createRuns,
  type Runs,
  type RunsOptions,
  type RunContext,
  type RunEventInput,
  type StartOptions,
  type RunHandle,
  type FollowOptions,
  type FollowRequest,
  type RunStatus,
  type EventsOptions,
} from './runs.js';
export { RUN_FORMATS, type RunFormat } from './formats.js';
export { RUN_END_EVENT, type RunEnd, type RunOutcome, type RunState } from '../hub/run-store.js';
