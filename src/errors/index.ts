/** Errors: the catalogue, the classes and the one table of status texts. */
export { ERROR_CODES, type ErrorCode } from './catalogue.js';
export { SluiceError, HttpError, ClientClosedError, isClientGone, errorStatus } from './errors.js';
export { statusText } from './status-text.js';
