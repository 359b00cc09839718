/**
 * A small XML encoder for `writeXml` (GoFrame's `gxml.Encode`): an object's keys become
 * elements, arrays repeat their key, strings are escaped, `null`/`undefined` make an empty
 * element. Keys must be XML names; nesting is capped at 64.
 */
import { SluiceError } from '../errors/index.js';

const NAME = /^[A-Za-z_][\w.-]*$/;
const MAX_DEPTH = 64;

/**
 * Encodes a value as XML elements, wrapped in `rootTag` when given.
 * @example encodeXml({ name: 'john', tags: ['a', 'b'] }) // '<name>john</name><tags>a</tags><tags>b</tags>'
 */
export function encodeXml(value: unknown, rootTag?: string): string {
  const body = encodeValue(value, 0);
  if (rootTag === undefined || rootTag === '') return body;
  checkName(rootTag);
  return `<${rootTag}>${body}</${rootTag}>`;
}

function encodeValue(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH)
    throw new SluiceError('SLUICE_CONFIG', `XML nesting deeper than ${MAX_DEPTH}`);
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return escapeXml(String(value));
  if (value instanceof Date) return escapeXml(value.toISOString());
  let out = '';
  for (const [key, v] of Object.entries(value)) {
    checkName(key);
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) out += `<${key}>${encodeValue(item, depth + 1)}</${key}>`;
  }
  return out;
}

function checkName(name: string): void {
  if (!NAME.test(name) || /^xml/i.test(name)) {
    throw new SluiceError('SLUICE_CONFIG', `${JSON.stringify(name)} is not an XML element name`);
  }
}

/**
 * Escapes text for XML content and attributes.
 * @example escapeXml('a < b & "c"') // 'a &lt; b &amp; &quot;c&quot;'
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
