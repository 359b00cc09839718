// GoFrame's gconv conversions that the translated handlers use where Go calls `.Bool()`,
// `.Int()`... on a request value (Sluice values are strings: a port converts them itself).

/** gconv.Bool: "", "0", "false", "off", "no" (any case) and absent values are false. */
export function gBool(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  const s = String(v).toLowerCase();
  return !['', '0', 'false', 'off', 'no'].includes(s);
}

/** gconv.Int / Uint / Float: the number a Go handler would write. */
export function gNumber(v: unknown): number {
  const n = Number(v);
  return Number.isNaN(n) ? 0 : n;
}
