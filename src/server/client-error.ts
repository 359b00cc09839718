/**
 * Requests Node's parser refuses (malformed framing, oversize heads, timeouts) never reach a
 * handler: they get one complete response with `Connection: close`, then the socket closes.
 */
import type { Socket } from 'node:net';

export function onClientError(
  err: NodeJS.ErrnoException & { rawPacket?: Buffer },
  socket: Socket,
): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) return void socket.destroy();
  const code = err.code;
  const status =
    code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const text =
    status === 431
      ? 'Request Header Fields Too Large'
      : status === 408
        ? 'Request Timeout'
        : 'Bad Request';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}
