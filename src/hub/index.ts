/**
 * The broadcast hub: the interface and the embedded in-memory backend. The Redis backend is a
 * separate entry point (`sluice/redis`) so that `redis` stays an optional peer dependency.
 */
export { createHub, type MemoryHubOptions } from './memory.js';
export { RESET_EVENT, MAX_ID_BYTES } from './event-id.js';
export type { Hub, HubEvent, HubSink, PublishInput, SubscribeOptions } from './types.js';
