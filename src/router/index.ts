/**
 * The router: GoFrame's route patterns (`:name`, `{name}`, `*name`, `METHOD:` prefixes,
 * `@domain` suffixes) and priority, matched without regular expressions.
 */
export {
  parseBindPattern,
  normalizeHost,
  normalizeDomain,
  type ParsedBinding,
} from './bind-pattern.js';
export { Router, type RouteMatch } from './router.js';
export { createPathMatcher } from './path-matcher.js';
export { collapseSlashes } from './match-pattern.js';
export { compilePattern, comparePriority, type CompiledPattern } from './pattern.js';
export type { BindingParams, ParamNames, ParamsOf } from './params-of.js';
