// h3 v2, as its docs teach: `new H3()` and `serve()` (srvx on Node).
import { H3, serve } from 'h3';

const port = Number(process.env.PORT ?? 3000);
const app = new H3();

app.get('/hello', () => 'Hello, World!');
app.get('/json', () => ({ hello: 'world' }));

const server = serve(app, { port, hostname: '127.0.0.1', silent: true });
await server.ready();
console.log(`listening ${port}`);
