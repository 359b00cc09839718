/** WebSockets on the hub: `subscribeWebSocket(ws, hub, topic, { from })`. */
export {
  subscribeWebSocket,
  WEBSOCKET_CODEC,
  type SubscribeWebSocketOptions,
} from './subscribe.js';
