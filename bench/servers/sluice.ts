// Sluice (API.md §2, §4): buffered writes, sent whole with Content-Length.
import { Server } from '../../dist/index.js';

const port = Number(process.env.PORT ?? 3000);
const s = new Server();
s.setPort(port);
s.bindHandler('GET:/hello', (r) => {
  r.response.write('Hello, World!');
});
s.bindHandler('GET:/json', (r) => {
  r.response.writeJson({ hello: 'world' });
});
await s.start();
console.log(`listening ${s.port}`);
