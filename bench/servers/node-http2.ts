// Hand-written node:http2 (cleartext, prior knowledge): the HTTP/2 baseline. The compatibility
// API's callback, as most node:http2 code is written; respond + end on the stream itself.
import http2 from 'node:http2';

const port = Number(process.env.PORT ?? 3000);
const HELLO = 'Hello, World!';

const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const path = headers[':path'];
  if (headers[':method'] === 'GET' && path === '/hello') {
    stream.respond({
      ':status': 200,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(HELLO),
    });
    stream.end(HELLO);
  } else if (headers[':method'] === 'GET' && path === '/json') {
    const body = JSON.stringify({ hello: 'world' });
    stream.respond({
      ':status': 200,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    stream.end(body);
  } else {
    stream.respond({ ':status': 404 }, { endStream: true });
  }
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${port}`);
});
