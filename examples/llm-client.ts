// An LLM answer from Node, as a durable run: POST a prompt (a JSON body and an Authorization
// header) to start the run, then follow it with sluice/client's stream(), printing tokens as
// they arrive. Reconnects send Last-Event-ID, so a dropped connection resumes where it broke.
//
// Run: URL=http://127.0.0.1:8999/api/chat TOKEN=secret node --import tsx examples/llm-client.ts "Why is the sky blue?"
// The server answers the POST with {"id"}; GET <URL>/<id> sends `event: token` (a text delta)
// and ends with `event: sluice-end` {"outcome"}.
import { stream, StreamError } from '../src/client/index.js';

/** The data of the terminal event. */
interface RunEnd {
  outcome: 'done' | 'failed' | 'cancelled';
  message?: string;
}

const url = process.env.URL ?? 'http://127.0.0.1:8999/api/chat';
const token = process.env.TOKEN ?? 'dev-token';
const prompt = process.argv.slice(2).join(' ') || 'Say hello in five words.';
const headers = { Authorization: `Bearer ${token}` };

const ac = new AbortController();
process.once('SIGINT', () => ac.abort());

try {
  const started = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt }),
  });
  if (!started.ok) throw new Error(`POST ${url}: HTTP ${started.status}`);
  const { id } = (await started.json()) as { id: string };
  for await (const ev of stream(`${url}/${id}`, {
    headers,
    signal: ac.signal,
    maxRetries: 3, // give up (with a StreamError) after 3 consecutive failures
  })) {
    if (ev.event === 'token') process.stdout.write(ev.data);
    else if (ev.event === 'sluice-end') {
      const end = JSON.parse(ev.data) as RunEnd;
      process.stdout.write(`\n[${end.outcome}${end.message ? `: ${end.message}` : ''}]\n`);
      break; // leaving the loop closes the request
    }
  }
} catch (err) {
  if (!(err instanceof StreamError)) throw err;
  console.error(`\nstream failed (${err.code}, HTTP ${err.status}): ${err.message}`);
  process.exitCode = 1;
}
