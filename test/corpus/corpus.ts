// Loads test/corpus/requests.json: hostile and edge-case requests kept as data.
import { readFileSync } from 'node:fs';
import { latin1Bytes } from '../helpers/raw-http.js';

export interface CorpusCase {
  name: string;
  group: string;
  /** One character per byte, with macros (see the file's description). */
  request: string;
  /** The exact final status expected. */
  status: number;
  /** Whether the route handler runs (false: refused before routing). */
  handler: boolean;
  /** The request never completes: the server cuts it at the request timeout. */
  timeout?: boolean;
  /** A refusal by the handler after the whole body was read: the connection may stay open. */
  keepAlive?: boolean;
  note?: string;
  /** false: left out of the mutation fuzz (see the note). */
  fuzz?: boolean;
  /** Set when the expected behaviour needs a change outside the files under test. */
  pending?: string;
}

const file = new URL('./requests.json', import.meta.url);

/** Every case, in file order. */
export function loadCorpus(): CorpusCase[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { cases: CorpusCase[] };
  return parsed.cases;
}

const MACRO = /\{\{(repeat|seq):(\d+):(.*?)\}\}/gs;

/** The raw bytes of a case, macros expanded. */
export function caseBytes(c: Pick<CorpusCase, 'request'>): Buffer {
  let text = c.request.replace(MACRO, (_, kind: string, n: string, body: string) => {
    const count = Number(n);
    if (kind === 'repeat') return body.repeat(count);
    const parts: string[] = new Array<string>(count);
    for (let i = 0; i < count; i++) parts[i] = body.replaceAll('$', i.toString(36));
    return parts.join(',');
  });
  if (text.includes('{{length}}')) {
    const sep = text.indexOf('\r\n\r\n');
    const body = sep === -1 ? '' : text.slice(sep + 4);
    text = text.replace('{{length}}', String(Buffer.byteLength(body, 'latin1')));
  }
  return latin1Bytes(text);
}
