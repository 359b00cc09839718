/**
 * Typed controllers (API §8): `defineRoute`, `handle`, and `group.bind(controller)`.
 */
export { bindController, ROUTE_META, routeMetaOf, type RouteTarget } from './bind-controller.js';
export {
  defineRoute,
  isStandardSchema,
  type EventSchemas,
  type EventsOf,
  type RouteEvents,
  type Route,
  type RouteMethod,
  type RouteSpec,
} from './define-route.js';
export {
  handle,
  isControllerMember,
  type ControllerMember,
  type RouteHandler,
  type RouteInput,
  type RouteResult,
} from './handle.js';
export type { ParamNames, ParamsOf } from '../router/params-of.js';
export {
  MAX_VALIDATION_ERRORS,
  validationError,
  type ValidationFieldError,
} from './validate-input.js';
