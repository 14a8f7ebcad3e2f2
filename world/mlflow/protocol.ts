/**
 * The parts of MLflow's REST protocol every endpoint of the stand-in shares: error bodies and their
 * HTTP statuses, request parameters (query string for GET, JSON body otherwise), the search filter and
 * order_by grammar for model versions, and page tokens. Revisions read: see world/mlflow.ts.
 */

/** An MLflow error: `{error_code, message}` with the status MLflow maps the code to. */
export class MlflowError extends Error {
  constructor(
    readonly errorCode: 'INVALID_PARAMETER_VALUE' | 'RESOURCE_DOES_NOT_EXIST' | 'BAD_REQUEST',
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return this.errorCode === 'RESOURCE_DOES_NOT_EXIST' ? 404 : 400;
  }
  json(): { error_code: string; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

const SEE_DOCS = ' See the API docs for more information about request parameters.';

export const invalid = (message: string) => new MlflowError('INVALID_PARAMETER_VALUE', message);
export const notFound = (message: string) => new MlflowError('RESOURCE_DOES_NOT_EXIST', message);

/**
 * The request's parameters as MLflow's `_get_request_message` sees them: the query string for GET
 * (every value a string), the JSON body for POST, PATCH and DELETE (values keep their JSON type).
 */
export type Params = Record<string, unknown>;

export function readParams(method: string, query: URLSearchParams, body: Buffer): Params {
  if (method === 'GET') {
    const out: Params = {};
    for (const key of new Set(query.keys())) {
      const all = query.getAll(key);
      out[key] = key === 'order_by' ? all : all[0];
    }
    return out;
  }
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    // Flask's get_json(silent=True) yields None for a malformed body: MLflow then sees no parameters.
    return {};
  }
  // Older clients double-encode the JSON as a string; MLflow decodes it a second time.
  if (typeof parsed === 'string') {
    try {
      parsed = JSON.parse(parsed);
    } catch {
      return {};
    }
  }
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Params) : {};
}

/** `_assert_string, _assert_required`: present, a JSON string, not empty. */
export function requiredString(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === null || value === '')
    throw invalid(`Missing value for required parameter '${name}'.${SEE_DOCS}`);
  if (typeof value !== 'string')
    throw invalid(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied. Hint: Value was of type '${pythonType(value)}'.${SEE_DOCS}`,
    );
  return value;
}

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw invalid(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied. Hint: Value was of type '${pythonType(value)}'.${SEE_DOCS}`,
    );
  return value;
}

function pythonType(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'dict' : typeof value;
}

/** `_validate_model_version`: a version is an integer. */
export function versionNumber(version: string): number {
  if (!/^\d+$/.test(version)) throw invalid(`Model version must be an integer, got '${version}'`);
  return Number(version);
}

/** `_validate_model_alias_name`: what an alias may not be. */
export function checkAliasName(alias: string): void {
  if (alias.length > 256) throw invalid(`Registered model alias name '${alias}' exceeds 256 characters.`);
  if (alias.toLowerCase() === 'latest')
    throw invalid(`'${alias}' alias name (case insensitive) is reserved.`);
  if (/^v\d+$/i.test(alias)) throw invalid(`Version alias name '${alias}' is reserved.`);
}

// Search over model versions.

/** SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD, also the handler's cap. */
export const SEARCH_MAX_RESULTS_CAP = 200_000;
/** The proto's default for an unset max_results (the SQL store's own default, 1000, is the Python client's). */
export const SEARCH_MAX_RESULTS_DEFAULT = 200_000;

export function maxResults(params: Params): number {
  const raw = params.max_results;
  if (raw === undefined || raw === null || raw === '') return SEARCH_MAX_RESULTS_DEFAULT;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(value))
    throw invalid(
      `Invalid value ${JSON.stringify(raw)} for parameter 'max_results' supplied. Hint: Value was of type '${pythonType(raw)}'.${SEE_DOCS}`,
    );
  if (value > SEARCH_MAX_RESULTS_CAP)
    throw invalid(`Invalid value ${value} for parameter 'max_results' supplied.${SEE_DOCS}`);
  if (value < 1)
    throw invalid(`Invalid value for max_results. It must be a positive integer, but got ${value}`);
  return value;
}

/**
 * The one filter the stand-in understands: `name = '<value>'` (also with double quotes, and the key in
 * backticks). As MLflow (sqlparse, then stripping the outer quotes) the value is what lies between the
 * quotes, not unescaped: a name holding `'` is written `name="it's"`. Empty means every version.
 */
const STRING_LITERAL = String.raw`'((?:''|\\\\|\\'|[^'])*)'|"((?:""|\\\\|\\"|[^"])*)"`;
const NAME_FILTER = new RegExp(String.raw`^\s*(?:name|\x60name\x60)\s*=\s*(?:${STRING_LITERAL})\s*$`, 'i');

export function parseNameFilter(filter: string | undefined): string | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  const match = NAME_FILTER.exec(filter);
  if (!match)
    throw invalid(
      `The MLflow stand-in supports only the filter name='<model>' (got ${JSON.stringify(filter)}).`,
    );
  return match[1] ?? match[2] ?? '';
}

export type OrderKey = 'name' | 'version_number' | 'creation_timestamp' | 'last_updated_timestamp';
export type Order = readonly { key: OrderKey; ascending: boolean }[];

/** The store's default order, then its tie-breaks: name ASC, version DESC. */
export function parseOrderBy(values: unknown): Order {
  const list = Array.isArray(values) ? values : values === undefined ? [] : [values];
  const clauses = list.length ? list : ['last_updated_timestamp DESC', 'name ASC', 'version_number DESC'];
  const order: { key: OrderKey; ascending: boolean }[] = [];
  for (const clause of clauses) {
    const match = /^\s*(\w+)(?:\s+(ASC|DESC))?\s*$/i.exec(String(clause));
    const key = (match?.[1] ?? '') as OrderKey;
    if (!match || !['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'].includes(key))
      throw invalid(`Invalid order by key '${match?.[1] ?? clause}' specified.`);
    if (order.some((o) => o.key === key)) throw invalid(`\`order_by\` contains duplicate fields: ${list}`);
    order.push({ key, ascending: (match[2] ?? 'ASC').toUpperCase() === 'ASC' });
  }
  if (!order.some((o) => o.key === 'name')) order.push({ key: 'name', ascending: true });
  if (!order.some((o) => o.key === 'version_number')) order.push({ key: 'version_number', ascending: false });
  return order;
}

/** MLflow's page token: base64 of `{"offset": N}`; opaque to clients. */
export function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function offsetFromToken(token: string | undefined): number {
  if (!token) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw invalid('Invalid page token, could not base64-decode');
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0)
    throw invalid(`Invalid page token, parsed value=${JSON.stringify(parsed)}`);
  return offset;
}
