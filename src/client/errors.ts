/**
 * The stream client's own error codes (the server's catalogue stays out of a browser bundle).
 * `test/errors.test.ts` checks that README documents every one.
 */
export const CLIENT_ERROR_CODES = {
  SLUICE_CLIENT_STATUS: {
    status: 502,
    message:
      'the stream answered with a status that is neither 2xx nor retriable (429, 502, 503, 504); fix the request or the server',
  },
  SLUICE_CLIENT_CONTENT_TYPE: {
    status: 502,
    message:
      'the stream answered without Content-Type: text/event-stream; point the client at an SSE endpoint',
  },
  SLUICE_CLIENT_LINE_TOO_LONG: {
    status: 502,
    message:
      'an event-stream line is longer than the client limit; raise maxLineLength or send shorter lines',
  },
  SLUICE_CLIENT_EVENT_TOO_LARGE: {
    status: 502,
    message:
      'an event is larger than the client limit (its data lines together); raise maxEventSize or send smaller events',
  },
  SLUICE_CLIENT_JSON: {
    status: 502,
    message: 'with json: true every event data must be JSON; drop json: true or send JSON data',
  },
  SLUICE_CLIENT_RETRIES: {
    status: 502,
    message:
      'the stream failed more consecutive times than maxRetries allows; the cause holds the last failure',
  },
  SLUICE_CLIENT_TIMEOUT: {
    status: 504,
    message:
      'collectEvents reached its deadline before the count or the named event (strict: true)',
  },
} as const;

/** A code of the stream client's catalogue. */
export type ClientErrorCode = keyof typeof CLIENT_ERROR_CODES;
