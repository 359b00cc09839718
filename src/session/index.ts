/**
 * Sessions (`r.session`) and their storages.
 */
export {
  Session,
  DEFAULT_SESSION_ID_NAME,
  DEFAULT_SESSION_MAX_AGE,
  type SessionCarrier,
} from './session.js';
export {
  MemorySessionStorage,
  RedisSessionStorage,
  type MemorySessionOptions,
  type RedisSessionOptions,
  type RedisCommandClient,
  type SessionStorage,
} from './storage.js';
