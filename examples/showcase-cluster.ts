// Two showcase instances on one Redis hub: `npm run showcase:cluster`, then open
// http://127.0.0.1:8999/chat.html and http://127.0.0.1:9000/chat.html: a message posted on one
// appears on the other (its "via" names the instance that took the POST), a tab that joins
// either one sees the same history, and an LLM run started on one can be followed and stopped
// from the other. Each page's header names the instance it talks to.
//
// Needs Redis (REDIS_URL, default redis://127.0.0.1:6379). PORTS (default 8999,9000) lists
// the instances' ports. Ctrl-C stops both (each shuts down gracefully).
import { spawn, type ChildProcess } from 'node:child_process';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const ports = (process.env.PORTS ?? '8999,9000').split(',').map((p) => p.trim());
const showcase = new URL('./showcase.ts', import.meta.url).pathname;

/** Forwards a child's lines, each prefixed with its instance. */
function prefixLines(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, tag: string): void {
  let rest = '';
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) to.write(`[${tag}] ${line}\n`);
  });
}

let stopping = false;
const children: ChildProcess[] = ports.map((port, i) => {
  const child = spawn(process.execPath, ['--import', 'tsx', showcase], {
    env: { ...process.env, PORT: port, REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tag = `instance ${i + 1}`;
  prefixLines(child.stdout!, process.stdout, tag);
  prefixLines(child.stderr!, process.stderr, tag);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      // One instance died (Redis unreachable, port taken): stop the other, fail.
      process.stderr.write(`[${tag}] exited (${signal ?? code}); stopping the cluster\n`);
      process.exitCode = 1;
      stop();
    }
  });
  return child;
});

function stop(): void {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
