// An LLM token stream from Node: POST a prompt with a JSON body and an Authorization header (what
// EventSource cannot do) and print tokens as they arrive. Reconnects resend the same request with
// Last-Event-ID, so a server that numbers its events can resume where the stream broke.
//
// Run: URL=http://127.0.0.1:8999/api/chat TOKEN=secret node --import tsx examples/llm-client.ts "Why is the sky blue?"
// The server is expected to send `event: token` with data {"text": "..."} and a final `event: done`.
import { stream, StreamError } from '../src/client/index.js';

type ChatEvents = {
  token: { text: string };
  done: { reason?: string };
};

const url = process.env.URL ?? 'http://127.0.0.1:8999/api/chat';
const token = process.env.TOKEN ?? 'dev-token';
const prompt = process.argv.slice(2).join(' ') || 'Say hello in five words.';

const ac = new AbortController();
process.once('SIGINT', () => ac.abort());

try {
  for await (const ev of stream<ChatEvents>(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt }),
    json: true,
    signal: ac.signal,
    maxRetries: 3, // give up (with a StreamError) after 3 consecutive failures
  })) {
    if (ev.event === 'token') process.stdout.write(ev.data.text);
    else if (ev.event === 'done') {
      process.stdout.write(`\n[done${ev.data.reason ? `: ${ev.data.reason}` : ''}]\n`);
      break; // leaving the loop closes the request
    }
  }
} catch (err) {
  if (!(err instanceof StreamError)) throw err;
  console.error(`\nstream failed (${err.code}, HTTP ${err.status}): ${err.message}`);
  process.exitCode = 1;
}
