/**
 * `r.session`: GoFrame's session, asynchronous. Its id travels in an HttpOnly cookie
 * (`gfsessionid` by default), created on the first write; its data lives in the storage
 * (memory by default, Redis with `RedisSessionStorage`) and every change is written through at
 * once, so nothing is lost whatever way the response ends. The id is read from the cookie, or
 * from a request header of the same name (GoFrame's header mode, for clients without cookies).
 * An id the storage does not know is never adopted: the next write starts a fresh session under
 * a new id (no session fixation); only `setId()` chooses an id.
 */
import { randomBytes } from 'node:crypto';
import type { SessionStorageLike } from '../config.js';
import { SluiceError } from '../errors/index.js';

/** What a session needs from its request and response. */
export interface SessionCarrier {
  /** A request cookie. */
  cookie(name: string): string | undefined;
  /** A request header (the id may come in a header of the cookie's name, as GoFrame allows). */
  header(name: string): string | undefined;
  /** Sets the id cookie (before the response is committed). */
  setSessionCookie(name: string, id: string, secure: boolean): void;
  /** Drops the id cookie. */
  removeSessionCookie(name: string): void;
  /** True on HTTPS (the cookie is then `Secure`). */
  readonly secure: boolean;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * One request's session.
 * @example
 * await r.session.set('user', { id: 7 });
 * const user = await r.session.get<{ id: number }>('user');
 */
export class Session {
  readonly #carrier: SessionCarrier;
  readonly #storage: SessionStorageLike;
  readonly #name: string;
  readonly #ttl: number;
  #id = '';
  #data: Record<string, unknown> | undefined;
  #loading: Promise<Record<string, unknown>> | undefined;
  #forced: string | undefined;
  #announce = false;

  /** @internal made by `r.session` */
  constructor(carrier: SessionCarrier, storage: SessionStorageLike, name: string, ttlMs: number) {
    this.#carrier = carrier;
    this.#storage = storage;
    this.#name = name;
    this.#ttl = ttlMs;
  }

  /** The session id ('' until the session exists: after a write, or a known cookie was read). */
  get id(): string {
    return this.#id;
  }

  /**
   * Uses this id instead of the client's (GoFrame's `SetId`), before the session is first used:
   * its data is read from the storage, and the cookie is sent with the next write. Ids are 1 to
   * 128 characters of `A-Z a-z 0-9 _ -`.
   * @example r.session.setId(await idFromSso(r)); await r.session.set('user', user)
   */
  setId(id: string): void {
    if (this.#data || this.#loading) {
      throw new SluiceError(
        'SLUICE_CONFIG',
        'r.session.setId() must come before the session is used',
      );
    }
    if (!ID.test(id)) {
      throw new SluiceError(
        'SLUICE_CONFIG',
        'a session id is 1 to 128 characters of A-Z a-z 0-9 _ -',
      );
    }
    this.#forced = id;
  }

  /**
   * A value (undefined, or `def`, when absent).
   * @example const cart = await r.session.get('cart', [])
   */
  async get<T = unknown>(key: string, def?: T): Promise<T | undefined> {
    const data = await this.#load();
    return Object.hasOwn(data, key) ? (data[key] as T) : def;
  }

  /**
   * Every value of the session (a copy).
   * @example const all = await r.session.data()
   */
  async data(): Promise<Record<string, unknown>> {
    return { ...(await this.#load()) };
  }

  /**
   * Whether the session holds `key`.
   * @example if (await r.session.contains('user')) ...
   */
  async contains(key: string): Promise<boolean> {
    return Object.hasOwn(await this.#load(), key);
  }

  /**
   * Sets a value (JSON-serialisable) and saves the session; starts it (the cookie) if needed.
   * @example await r.session.set('user', { id: 7 })
   */
  async set(key: string, value: unknown): Promise<void> {
    return this.setMap({ [key]: value });
  }

  /**
   * Sets several values at once.
   * @example await r.session.setMap({ a: 1, b: 2 })
   */
  async setMap(values: Record<string, unknown>): Promise<void> {
    const data = await this.#load();
    for (const [k, v] of Object.entries(values)) {
      if (k === '__proto__') continue;
      data[k] = v;
    }
    await this.#save(data);
  }

  /**
   * Removes values.
   * @example await r.session.remove('cart')
   */
  async remove(...keys: string[]): Promise<void> {
    const data = await this.#load();
    for (const k of keys) delete data[k];
    if (this.#id) await this.#save(data);
  }

  /**
   * Removes every value (the session and its cookie go).
   * @example await r.session.removeAll()
   */
  async removeAll(): Promise<void> {
    await this.#load();
    this.#data = Object.create(null) as Record<string, unknown>;
    if (this.#id) {
      await this.#storage.remove(this.#id);
      this.#carrier.removeSessionCookie(this.#name);
      this.#id = '';
    }
  }

  /**
   * Moves the data to a new id (call it at login: an id known before login is no longer valid).
   * @example await r.session.regenerate()
   */
  async regenerate(): Promise<void> {
    const data = await this.#load();
    if (this.#id) await this.#storage.remove(this.#id);
    this.#id = '';
    await this.#save(data);
  }

  async #load(): Promise<Record<string, unknown>> {
    if (this.#data) return this.#data;
    return (this.#loading ??= (async () => {
      let data: Record<string, unknown> | undefined;
      if (this.#forced !== undefined) {
        // The application chose this id: it is adopted, and announced with the next write.
        this.#id = this.#forced;
        this.#announce = true;
        data = await this.#storage.get(this.#id, this.#ttl);
      } else {
        const id = this.#carrier.cookie(this.#name) ?? this.#carrier.header(this.#name);
        if (id !== undefined && ID.test(id)) {
          data = await this.#storage.get(id, this.#ttl);
          if (data) this.#id = id;
        }
      }
      this.#data = Object.assign(Object.create(null) as Record<string, unknown>, data);
      return this.#data;
    })());
  }

  async #save(data: Record<string, unknown>): Promise<void> {
    if (!this.#id) {
      this.#id = randomBytes(24).toString('base64url');
      this.#announce = true;
    }
    if (this.#announce) {
      this.#announce = false;
      this.#carrier.setSessionCookie(this.#name, this.#id, this.#carrier.secure);
    }
    await this.#storage.set(this.#id, { ...data }, this.#ttl);
  }
}

/** GoFrame's default session cookie name. */
export const DEFAULT_SESSION_ID_NAME = 'gfsessionid';
/** Default idle lifetime: 24 hours. */
export const DEFAULT_SESSION_MAX_AGE = 24 * 60 * 60 * 1000;
