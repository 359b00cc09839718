// A scripted node:http server for the client tests: each request gets the next step of a script.
// (The Sluice server core will replace it; these tests only need exact control over the bytes.)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Resolves when the request's socket closed (the client went away or the server ended it). */
  closed: Promise<void>;
  at: number;
}

export type Step = (
  req: IncomingMessage,
  res: ServerResponse,
  seen: SeenRequest,
) => void | Promise<void>;

export interface ScriptServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a server on port 0; request n runs `steps[n]` (the last step repeats). */
export async function scriptServer(steps: Step[]): Promise<ScriptServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        closed: new Promise((resolve) => res.on('close', () => resolve())),
        at: Date.now(),
      };
      const step = steps[Math.min(requests.length, steps.length - 1)];
      requests.push(seen);
      Promise.resolve(step?.(req, res, seen)).catch((err: unknown) => {
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A step that answers `text/event-stream` with `body` and ends the response (a clean end). */
export function sse(body: string | Uint8Array, headers: Record<string, string> = {}): Step {
  return (_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...headers,
    });
    res.end(body);
  };
}

/** A step that sends `body` and keeps the response open until the client leaves. */
export function sseOpen(body: string): Step {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(body);
  };
}

/** A step that answers with a status and no event stream. */
export function status(code: number, headers: Record<string, string> = {}, body = ''): Step {
  return (_req, res) => {
    res.writeHead(code, headers);
    res.end(body);
  };
}

/** Resolves `p`, or rejects after `ms` (so a test never hangs on a missing event). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)),
        ms,
      );
    }),
  ]);
}
