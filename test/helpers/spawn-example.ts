// Starts an example program as a child process (PORT=0) and resolves the URL from the line
// `s.run()` prints: how the tests run the seed programs and the showcase as users would.
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunningExample {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything it printed until it was listening. */
  output: string;
}

export function spawnExample(
  file: string,
  env: Record<string, string> = {},
  /** Modules loaded before the program (`--import`), e.g. one that configures `g.server()`. */
  preload: string[] = [],
): Promise<RunningExample> {
  const imports = preload.flatMap((m) => ['--import', m]);
  const child = spawn(process.execPath, ['--import', 'tsx', ...imports, file], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    // Generous: on a loaded machine, tsx and TypeScript take a while to load. A program that
    // did not start is killed, so that it cannot keep the test process alive.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not start in 45 s: ${out}`));
    }, 45_000);
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (https?:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, port: Number(m[2]), child, output: out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code}: ${out}`));
    });
  });
}
