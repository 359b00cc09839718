/** Exposes `global.gc` in a process started without `--expose-gc` (tests only). */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function exposeGc(): boolean {
  const g = globalThis as { gc?: () => void };
  if (typeof g.gc === 'function') return true;
  setFlagsFromString('--expose-gc');
  g.gc = runInNewContext('gc') as () => void;
  return typeof g.gc === 'function';
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number): number => Math.round((bytes / MiB) * 100) / 100;
