/**
 * OpenAPI from typed routes (API §14): the document builder, its JSON Schema conversion and
 * the interactive reference page.
 */
export {
  buildOpenApiDocument,
  convertPath,
  RESERVED_EVENTS,
  type BuiltDocument,
  type DocumentedRoute,
  type OpenApiOptions,
  type PathParam,
} from './document.js';
export { jsonSchemaOf, type Converted, type JsonSchema } from './json-schema.js';
export { docsPageHtml, scalarBundlePath } from './docs-page.js';
