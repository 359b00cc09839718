/**
 * Sentinels thrown by r.exit(), r.exitAll() and r.exitHook() (GoFrame's panics). The dispatcher
 * catches them at the boundary of the function that threw; they are never errors.
 */
class ExitSignal {
  constructor(readonly kind: 'exit' | 'exitAll' | 'exitHook') {}
  toString(): string {
    return `Sluice ${this.kind}() signal (not an error: do not catch it)`;
  }
}

export const EXIT = new ExitSignal('exit');
export const EXIT_ALL = new ExitSignal('exitAll');
export const EXIT_HOOK = new ExitSignal('exitHook');

export function isExitSignal(value: unknown): value is ExitSignal {
  return value instanceof ExitSignal;
}
