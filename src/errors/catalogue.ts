/**
 * The catalogue of every error the server side of Sluice raises: a stable code, the HTTP status
 * it answers with, and a message that says what went wrong and what to do. The stream client
 * (`sluice/client`) keeps its own codes in `client/errors.ts`, so a browser bundle carries
 * only those. `test/errors.test.ts` checks that README documents every code of both.
 */

/** Every coded error, with the status it answers with and the advice it carries. */
export const ERROR_CODES = {
  SLUICE_HEADERS_COMMITTED: {
    status: 500,
    message:
      'headers were already sent by flush() (the response is committed); set status, headers and cookies before the first flush',
  },
  SLUICE_RETURN_AFTER_WRITE: {
    status: 500,
    message:
      'the handler wrote to r.response and also returned a value; do one or the other (the returned value is ignored)',
  },
  SLUICE_ROUTE_DUPLICATE: {
    status: 500,
    message: 'this route is already bound; each method + pattern + domain can be bound once',
  },
  SLUICE_ROUTE_PATTERN: {
    status: 500,
    message: 'the route pattern is malformed',
  },
  SLUICE_CONFIG: {
    status: 500,
    message: 'an option passed to the server is not valid',
  },
  SLUICE_TELEMETRY_MISSING: {
    status: 500,
    message:
      'telemetry needs @opentelemetry/api (and, for the Prometheus endpoint, @opentelemetry/sdk-metrics and @opentelemetry/exporter-prometheus); install them',
  },
  SLUICE_TOO_MANY_STREAMS: {
    status: 429,
    message:
      'this client has too many streams open; close one, or retry after the Retry-After delay (maxStreamsPerClient)',
  },
  SLUICE_RATE_LIMITED: {
    status: 429,
    message: 'too many requests; retry after the Retry-After delay',
  },
  SLUICE_CONNECT_UNSUPPORTED: {
    status: 500,
    message:
      "Connect/Express middleware needs Node's request and response objects: it runs on HTTP/1.1 listeners, not on HTTP/2 streams, s.fetch or inject()",
  },
  SLUICE_SERVER_RUNNING: {
    status: 500,
    message: 'the server is already listening; configure it before start()',
  },
  SLUICE_PORT_IN_USE: {
    status: 500,
    message: 'the port is already in use',
  },
  SLUICE_BAD_REQUEST: { status: 400, message: 'the request is malformed' },
  SLUICE_BODY_TOO_LARGE: {
    status: 413,
    message: 'the request body is larger than the limit; send a smaller body or raise bodyLimit',
  },
  SLUICE_BODY_CONSUMED: {
    status: 500,
    message:
      'the request body was already read as a stream; read it once, either with bodyStream() or with json()/text()/body()',
  },
  SLUICE_JSON_INVALID: {
    status: 400,
    message: 'the request body is not valid JSON',
  },
  SLUICE_JSON_TOO_DEEP: {
    status: 400,
    message: 'the JSON body nests deeper than 64 levels',
  },
  SLUICE_JSON_FORBIDDEN_KEY: {
    status: 400,
    message: 'the JSON body holds a "__proto__" or "constructor.prototype" key, which is refused',
  },
  SLUICE_INVALID_UTF8: {
    status: 400,
    message: 'the request body is not valid UTF-8',
  },
  SLUICE_FORM_INVALID: {
    status: 400,
    message:
      'the form body holds a malformed percent-escape or one that is not UTF-8; encode it as application/x-www-form-urlencoded',
  },
  SLUICE_TOO_MANY_FIELDS: {
    status: 400,
    message:
      'the form body or query string holds more fields than the limit (1000 by default); send fewer or raise maxKeys',
  },
  SLUICE_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'the request Content-Type is not one this route can read',
  },
  SLUICE_VALIDATION: {
    status: 400,
    message: 'the request input did not pass validation',
  },
  SLUICE_SSE_FIELD: {
    status: 500,
    message:
      'an SSE id or event name holds CR, LF or NUL, which would inject fields into the stream; remove them',
  },
  SLUICE_SSE_RETRY: {
    status: 500,
    message: 'an SSE retry value must be a non-negative integer number of milliseconds',
  },
  SLUICE_SSE_DATA: {
    status: 500,
    message:
      'SSE event data must be a string or have a JSON form (undefined, functions, symbols, BigInt and cycles have none); convert it first',
  },
  SLUICE_EVENT_UNKNOWN: {
    status: 500,
    message:
      'this route declares its events (defineRoute events) and this event name is not one of them; nothing was written. Declare it, or send a declared one (an event sent without a name is "message")',
  },
  SLUICE_EVENT_INVALID: {
    status: 500,
    message: "the event's data did not pass its schema (defineRoute events); nothing was written",
  },
  SLUICE_RESPONSE_INVALID: {
    status: 500,
    message:
      "the handler's return value did not pass the route's output schema; nothing of it was sent (the failing fields are logged)",
  },
  SLUICE_HEADER_INVALID: {
    status: 500,
    message:
      'a response header name is not an HTTP token, or its value holds CR, LF, NUL or a character above U+00FF; encode the value (e.g. encodeURIComponent, RFC 5987 for filenames)',
  },
  SLUICE_STATUS_INVALID: {
    status: 500,
    message:
      'the response status must be an integer from 200 to 999 (a 1xx status is informational and cannot end a response)',
  },
  SLUICE_STREAM_LENGTH: {
    status: 500,
    message:
      'the response wrote more bytes than its Content-Length declared, so the connection was cut; remove the Content-Length header or send exactly that many bytes',
  },
  SLUICE_WEBSOCKET_UNAVAILABLE: {
    status: 426,
    message:
      'this request cannot become a WebSocket: it is no HTTP/1.1 upgrade request (WebSockets over HTTP/2 and s.fetch are not served); connect with a WebSocket client',
  },
  SLUICE_WEBSOCKET_HANDSHAKE: {
    status: 400,
    message: 'the WebSocket opening handshake is malformed (RFC 6455 section 4.2.1)',
  },
  SLUICE_STREAM_OVERFLOW: {
    status: 500,
    message:
      'the client is not reading: unsent bytes passed the per-stream cap, so the stream was cut off; await send()/flush() to apply backpressure',
  },
  SLUICE_STREAM_STALLED: {
    status: 500,
    message: 'the client read nothing for the write-stall timeout, so the stream was cut off',
  },
  SLUICE_STREAM_BUDGET: {
    status: 500,
    message:
      'the process budget for unsent bytes across streams was exceeded, and this stream lagged most, so it was cut off',
  },
  SLUICE_SHUTDOWN: {
    status: 503,
    message: 'the server is shutting down',
  },
  SLUICE_HUB_CLOSED: {
    status: 500,
    message: 'the hub has been closed; create a new one',
  },
  SLUICE_HUB_DATA: {
    status: 500,
    message: 'hub event data must be JSON-serialisable',
  },
  SLUICE_HUB_SLOW_SUBSCRIBER: {
    status: 500,
    message:
      'the subscriber fell too far behind and was cut off; reconnect with its last id to resume',
  },
  SLUICE_HUB_PUBLISH_FAILED: {
    status: 503,
    message:
      'the publish may or may not have reached the broker (the reply was lost), so it was not retried; check and publish again if needed',
  },
  SLUICE_HUB_UNAVAILABLE: {
    status: 503,
    message: 'the broker is unreachable; the publish never reached it',
  },
  SLUICE_HUB_NOT_REPLICATED: {
    status: 503,
    message:
      'the event reached the Redis primary but no replica confirmed it in time (durability: replicated); it may still be delivered',
  },
  SLUICE_HUB_RESERVED_EVENT: {
    status: 500,
    message: 'the event name "sluice-reset" is reserved for the hub; publish under another name',
  },
  SLUICE_HUB_TOPICS: {
    status: 503,
    message:
      'the hub holds its maximum number of topics and every one has subscribers; raise maxTopics or use fewer topics',
  },
  SLUICE_HUB_EVENT_TOO_LARGE: {
    status: 413,
    message:
      "the event is larger than the hub's maxEventSize, so it was refused (every event in history must be deliverable); send a smaller event or raise maxEventSize",
  },
  SLUICE_HUB_TOPIC: {
    status: 400,
    message: 'a hub topic name must be a well-formed Unicode string of 1 to 256 UTF-8 bytes',
  },
  SLUICE_HUB_REDIS_ERROR: {
    status: 503,
    message:
      'Redis answered the command with an error (WRONGTYPE, OOM, NOSCRIPT...); it was not retried: check the key and the Redis server',
  },
  SLUICE_RUN_NOT_FOUND: {
    status: 404,
    message:
      'no such run: the id is unknown, the run expired (ttl), or it belongs to another owner',
  },
  SLUICE_RUN_ID: {
    status: 400,
    message: 'a run id must be 1 to 128 characters of A-Z, a-z, 0-9, "_" and "-"',
  },
  SLUICE_RUN_EXISTS: {
    status: 409,
    message:
      'a run with this id already exists; run ids must be unique (omit id to get a random one)',
  },
  SLUICE_RUN_LIMIT: {
    status: 503,
    message:
      'this process holds maxRuns runs and none can be dropped; wait for runs to end or raise maxRuns',
  },
  SLUICE_RUN_EVENT: {
    status: 500,
    message:
      'a run event is malformed: emit takes { data, event? }, a token event carries a string, and "sluice-end" and "sluice-reset" are reserved',
  },
  SLUICE_RUN_HISTORY_FULL: {
    status: 500,
    message:
      "the run's history is full (maxEvents or maxBytes, or the process budget maxTotalBytes), so the run failed rather than drop an event; raise the limit or emit less",
  },
  SLUICE_RUN_ENDED: {
    status: 409,
    message: 'the run has ended (done, cancelled or failed elsewhere); the producer must stop',
  },
  SLUICE_RUN_CANCELLED: {
    status: 409,
    message: 'the run was cancelled',
  },
  SLUICE_RUN_FAILED: {
    status: 500,
    message: 'the run failed (its producer threw; the details are in the server log)',
  },
  SLUICE_RUN_PRODUCER_LOST: {
    status: 503,
    message:
      'the process producing the run stopped renewing its lease (it died, froze or lost Redis), so the run failed',
  },
  SLUICE_RUN_LOST: {
    status: 503,
    message:
      "the run's record vanished from the store (it expired, or Redis lost its data), so the run cannot go on",
  },
  SLUICE_STATIC_FORBIDDEN: {
    status: 403,
    message: 'the path leaves the static root or holds forbidden characters',
  },
  SLUICE_UPLOAD_MALFORMED: {
    status: 400,
    message:
      'the multipart body is malformed or was cut short (no boundary, a broken part, the connection closed); send a complete multipart/form-data body',
  },
  SLUICE_UPLOAD_FILE_TOO_LARGE: {
    status: 413,
    message:
      'an uploaded file is larger than upload.maxFileSize; send a smaller file or raise the limit',
  },
  SLUICE_UPLOAD_TOO_MANY_FILES: {
    status: 413,
    message: 'the upload holds more files than upload.maxFiles; send fewer or raise the limit',
  },
  SLUICE_UPLOAD_TOO_MANY_PARTS: {
    status: 413,
    message:
      'the upload holds more parts or fields than upload.maxParts / upload.maxFields; send fewer or raise the limit',
  },
  SLUICE_UPLOAD_FIELD_TOO_LARGE: {
    status: 413,
    message:
      'a multipart text field is longer than upload.maxFieldSize (or its name longer than 1 KiB); send it as a file or raise the limit',
  },
  SLUICE_UPLOAD_STORAGE: {
    status: 500,
    message:
      'an uploaded file could not be written to the temporary directory (upload.tempDir is missing or not writable, or the disk is full)',
  },
  SLUICE_UPLOAD_SAVE: {
    status: 500,
    message:
      'an uploaded file could not be saved (the target is not writable, or the name would leave it)',
  },
  SLUICE_BODY_NOT_PARSED: {
    status: 500,
    message: 'the parsed body was read before it was parsed: call `await r.parse()` first',
  },
  SLUICE_SESSION_STORAGE: {
    status: 503,
    message:
      'the session storage failed (Redis unreachable or an error reply); the session was not read or saved',
  },
} as const;

/**
 * Every `SLUICE_...` code the server side raises.
 * @example const code: ErrorCode = 'SLUICE_BODY_TOO_LARGE';
 */
export type ErrorCode = keyof typeof ERROR_CODES;
