// Hand-written `ws` server: the WebSocket fan-out baseline. One JSON text frame per event, the
// same shape as Sluice's WebSocket codec ({"id","data"}), built once and sent to every client.
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveControl } from './_control.js';

const port = Number(process.env.PORT ?? 3000);
const clients = new Set<WebSocket>();
const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (ws) => {
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
  ws.on('error', () => {});
});
let id = 0;
serveControl({
  broadcast(payload) {
    const frame = JSON.stringify({ id: String(++id), data: payload });
    for (const ws of clients) ws.send(frame);
  },
  clients: () => clients.size,
});
server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
