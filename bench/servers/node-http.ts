// Hand-written node:http: the baseline every ratio is taken against.
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const HELLO = 'Hello, World!';

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/hello') {
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(HELLO),
    });
    res.end(HELLO);
  } else if (req.method === 'GET' && req.url === '/json') {
    const body = JSON.stringify({ hello: 'world' });
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  } else {
    res.writeHead(404, { 'content-length': 0 });
    res.end();
  }
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${port}`);
});
