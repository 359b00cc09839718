/**
 * Route path patterns in GoFrame's syntax, parsed once at bind time into segments that the
 * matcher walks without regular expressions, plus the numbers that decide priority.
 *
 * Syntax: literal segments, `:name` (a whole segment), `{name}` (a whole segment or inside one:
 * `/order/{id}.html`, `/{hash}.{type}`), `*name` (the rest of the path, possibly empty; only as
 * the last segment; a bare `*` captures into `any`). Names are word characters (`[A-Za-z0-9_]`).
 * A `:` that does not start a segment is literal text (`/v1/users:batch`).
 */
import { SluiceError } from '../errors/index.js';

/** One piece of a template segment: literal text or a parameter name. */
export type TemplatePart = { readonly literal: string } | { readonly param: string };

/**
 * One `/`-separated piece of a pattern. Every kind carries every field (unused ones empty) so
 * that the matcher's property reads stay monomorphic.
 * - `literal`: `text`, compared as-is with the raw request path;
 * - `param`: `name`, a whole segment written `:name` or `{name}`;
 * - `template`: `parts`, literal text and `{name}` parameters, never two parameters adjacent;
 * - `wildcard`: `name`, the last segment `*name`: the rest of the path, or empty for the parent.
 */
export interface Segment {
  readonly kind: 'literal' | 'param' | 'template' | 'wildcard';
  readonly text: string;
  readonly name: string;
  readonly parts: readonly TemplatePart[];
}

function segment(
  kind: Segment['kind'],
  text: string,
  name: string,
  parts: readonly TemplatePart[],
): Segment {
  return { kind, text, name, parts };
}

/** A parsed path pattern with its priority keys, computed once at bind time. */
export interface CompiledPattern {
  /** The pattern, without a trailing slash (except `/`). */
  readonly path: string;
  readonly segments: readonly Segment[];
  /** Number of segments (GoFrame counts the `/`): deeper patterns win. */
  readonly depth: number;
  /** True when the last segment is `*name`. */
  readonly wildcard: boolean;
  /** True when every segment is literal (matched through a map lookup). */
  readonly isStatic: boolean;
  /** The first segment when it is literal text. */
  readonly firstLiteral: string | undefined;
  /** The leading literal segments with their slashes, e.g. `/api/v1/users/` for `/api/v1/users/:id`. */
  readonly prefix: string;
  /** How many leading segments `prefix` covers. */
  readonly prefixSegments: number;
  /** Parameter names in capture order. */
  readonly names: readonly string[];
  /** Characters of literal text (the pattern without its parameters): more wins. */
  readonly literalLength: number;
  /** Count of `{}`, `:` and `*` tokens: fewer wins. */
  readonly fuzzyCount: number;
  readonly braceCount: number;
  readonly colonCount: number;
  /** The pattern with parameter names erased: two patterns with the same shape collide. */
  readonly shape: string;
}

const NAME = /^\w+$/;

function patternError(pattern: string, why: string): SluiceError {
  return new SluiceError('SLUICE_ROUTE_PATTERN', `${JSON.stringify(pattern)}: ${why}`);
}

/**
 * Parses a path pattern (no method prefix, no domain suffix).
 * @throws SluiceError `SLUICE_ROUTE_PATTERN` when the pattern is malformed.
 * @example compilePattern('/order/{id}.html').names // ['id']
 */
export function compilePattern(pattern: string): CompiledPattern {
  if (typeof pattern !== 'string' || pattern.charCodeAt(0) !== 47 /* / */) {
    throw patternError(String(pattern), 'a path pattern must start with "/"');
  }
  if (/[?#\s]/.test(pattern)) {
    throw patternError(pattern, 'a path pattern holds no query, fragment or whitespace');
  }
  const path = pattern.length > 1 && pattern.endsWith('/') ? pattern.slice(0, -1) : pattern;
  const raw = path === '/' ? [] : path.slice(1).split('/');
  const segments: Segment[] = [];
  const names: string[] = [];
  const shape: string[] = [];
  let literalLength = 0;
  let braceCount = 0;
  let colonCount = 0;
  let wildcard = false;

  const addName = (name: string): void => {
    if (!NAME.test(name)) {
      throw patternError(
        pattern,
        `parameter name ${JSON.stringify(name)} must be word characters (A-Z, a-z, 0-9, _)`,
      );
    }
    if (names.includes(name)) throw patternError(pattern, `parameter "${name}" appears twice`);
    names.push(name);
  };

  raw.forEach((text, i) => {
    if (text === '') throw patternError(pattern, 'empty segment ("//")');
    if (text.startsWith('*')) {
      if (i !== raw.length - 1) throw patternError(pattern, '"*name" must be the last segment');
      const name = text.length === 1 ? 'any' : text.slice(1);
      addName(name);
      segments.push(segment('wildcard', '', name, []));
      shape.push('*');
      wildcard = true;
      return;
    }
    if (text.startsWith(':')) {
      addName(text.slice(1));
      segments.push(segment('param', '', text.slice(1), []));
      shape.push(':');
      colonCount++;
      return;
    }
    const parts = parseTemplate(pattern, text, addName);
    if (parts.length === 1 && 'literal' in parts[0]!) {
      segments.push(segment('literal', text, '', []));
      shape.push(text);
      literalLength += text.length;
      return;
    }
    let shapeText = '';
    for (const part of parts) {
      if ('literal' in part) {
        literalLength += part.literal.length;
        shapeText += part.literal;
      } else {
        braceCount++;
        shapeText += '{}';
      }
    }
    shape.push(shapeText);
    const only = parts.length === 1 ? parts[0] : undefined;
    segments.push(
      only && 'param' in only
        ? segment('param', '', only.param, [])
        : segment('template', '', '', parts),
    );
  });

  const first = segments[0];
  let prefixSegments = 0;
  let prefix = '/';
  while (prefixSegments < segments.length && segments[prefixSegments]!.kind === 'literal') {
    prefix += segments[prefixSegments]!.text + '/';
    prefixSegments++;
  }
  return {
    path,
    segments,
    depth: segments.length,
    wildcard,
    isStatic: names.length === 0,
    firstLiteral: first?.kind === 'literal' ? first.text : undefined,
    prefix,
    prefixSegments,
    names,
    literalLength,
    fuzzyCount: names.length,
    braceCount,
    colonCount,
    shape: '/' + shape.join('/'),
  };
}

/** Splits one segment into literal text and `{name}` parameters. */
function parseTemplate(
  pattern: string,
  text: string,
  addName: (name: string) => void,
): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '{') {
      const close = text.indexOf('}', i + 1);
      if (close === -1) throw patternError(pattern, '"{" without a closing "}"');
      const name = text.slice(i + 1, close);
      if (name === '') throw patternError(pattern, 'empty parameter name "{}"');
      addName(name);
      if (literal !== '') parts.push({ literal });
      else if (parts.length > 0) {
        throw patternError(pattern, 'two parameters side by side; separate them with literal text');
      }
      literal = '';
      parts.push({ param: name });
      i = close + 1;
      continue;
    }
    if (ch === '}') throw patternError(pattern, '"}" without an opening "{"');
    if (ch === '*') throw patternError(pattern, '"*" may only start the last segment ("*name")');
    literal += ch;
    i++;
  }
  if (literal !== '') parts.push({ literal });
  return parts;
}

/**
 * Orders two patterns by GoFrame's priority: deeper first, then more literal text, then fewer
 * fuzzy tokens, then more `{}`, then more `:`. Negative when `a` wins, 0 on a tie.
 */
export function comparePriority(a: CompiledPattern, b: CompiledPattern): number {
  return (
    b.depth - a.depth ||
    b.literalLength - a.literalLength ||
    a.fuzzyCount - b.fuzzyCount ||
    b.braceCount - a.braceCount ||
    b.colonCount - a.colonCount
  );
}
