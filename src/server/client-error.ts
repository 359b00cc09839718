/**
 * Requests Node's parser refuses (malformed framing, oversize heads, timeouts) never reach a
 * handler: they get one complete response with `Connection: close`, then the socket closes.
 *
 * Order matters on a pipelined connection: a request that arrived before the bad one is still
 * answered first, so the refusal waits until the responses ahead of it have finished. A refusal
 * is never written into a response that has already started; that connection is just closed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Node's internals this relies on: the response owning the socket and the request being parsed. */
type HttpSocket = Socket & {
  _httpMessage?: ServerResponse | null;
  parser?: { incoming?: IncomingMessage | null } | null;
};

/**
 * How long a refused connection stays open after the response (ms), so the client can read it
 * before the close (an immediate close with unread input makes the kernel send RST, which can
 * discard the response at the client). Go waits 500 ms the same way.
 */
const LINGER_MS = 500;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /;
const REQUEST_LINE_VERSION = /^[!-~]+ [!-~]+ HTTP\/(\d)\.(\d)\r?\n/;

/** Sockets already given (or waiting for) their refusal: Node repeats its error on every chunk. */
const refused = new WeakSet<Socket>();

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

/**
 * The `clientError` listener: answers Node's parser errors and request timeouts with one
 * complete response and `Connection: close`, then closes; a socket error is just closed.
 * @example server.on('clientError', onClientError);
 */
export function onClientError(
  err: NodeJS.ErrnoException & { rawPacket?: Buffer },
  socket: Socket,
): void {
  if (refused.has(socket)) return;
  refused.add(socket);
  const status = clientErrorStatus(err);
  if (status === undefined) return void socket.destroy();
  const http = socket as HttpSocket;
  const incoming = http.parser?.incoming;
  // A request dispatched to a handler whose body was still arriving is the one in error.
  const owner = incoming && !incoming.complete ? incoming : undefined;
  answerInTurn(http, status, owner);
}

/**
 * The status for a `clientError`, or `undefined` for a socket error (reset, broken pipe) that
 * leaves nobody to answer.
 * @example clientErrorStatus(Object.assign(new Error(), { code: 'HPE_HEADER_OVERFLOW' })) // 431
 */
export function clientErrorStatus(
  err: NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number },
): number | undefined {
  const code = err.code ?? '';
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'HPE_INVALID_METHOD':
      // A well-formed method Node does not know (`FOO /`) is 501 (RFC 9110 §9.1), garbage is 400.
      return TOKEN.test(failingLine(err)) ? 501 : 400;
    case 'HPE_INVALID_VERSION': {
      const m = REQUEST_LINE_VERSION.exec(failingLine(err));
      return m && m[1] !== '1' ? 505 : 400;
    }
    default:
      return code.startsWith('HPE_') ? 400 : undefined;
  }
}

/**
 * The `connect` listener: Sluice is no proxy, so a CONNECT request gets 405 and the socket
 * closes (without a listener Node destroys the socket with no answer at all).
 * @example server.on('connect', onConnectRequest);
 */
export function onConnectRequest(_req: IncomingMessage, socket: Socket): void {
  if (refused.has(socket)) return;
  refused.add(socket);
  socket.on('error', () => {});
  // Node stops parsing at CONNECT, but a response ahead of it may still be on its way.
  answerInTurn(socket as HttpSocket, 405, undefined);
}

/** The line of the packet where the parser stopped (on a pipelined connection, not the first). */
function failingLine(err: { rawPacket?: Buffer; bytesParsed?: number }): string {
  const packet = err.rawPacket;
  if (!packet) return '';
  const at = Math.min(err.bytesParsed ?? 0, packet.length);
  const start = at === 0 ? 0 : packet.lastIndexOf(0x0a, at - 1) + 1;
  return packet.toString('latin1', start, Math.min(packet.length, start + 256));
}

/** Answers once every response ahead of this request on the socket has finished. */
function answerInTurn(
  socket: HttpSocket,
  status: number,
  owner: IncomingMessage | undefined,
): void {
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  const current = socket._httpMessage;
  if (current && current.req !== owner) {
    let waited = false;
    const next = (): void => {
      if (waited) return;
      waited = true;
      current.off('finish', next);
      current.off('close', next);
      // Node hands the socket to the next queued response in its own 'finish' listener.
      answerInTurn(socket, status, owner);
    };
    current.once('finish', next);
    current.once('close', next);
    return;
  }
  // The request's own response has started: a second status line would corrupt it.
  if (current?.headersSent) return void socket.destroy();
  refuseAndClose(socket, status);
}

function refuseAndClose(socket: Socket, status: number): void {
  const reason = REASONS[status] ?? 'Bad Request';
  const allow = status === 405 ? 'Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n${allow}Content-Length: 0\r\nConnection: close\r\n\r\n`,
  );
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}
