/**
 * Who may call the stand-in, as MLflow's basic-auth app (`mlflow server --app-name basic-auth`) or a
 * Databricks-like token decides it. The auth app answers 401 and 403 in plain text (Flask's
 * make_response, served as text/html), never MLflow's JSON error; a token server answers JSON.
 */

/** The basic-auth app's permissions: READ reads, EDIT also updates (aliases, tags), MANAGE also deletes. */
export type Permission = 'NO_PERMISSIONS' | 'READ' | 'EDIT' | 'MANAGE';
export type Level = 'read' | 'update' | 'delete';

export interface AuthOptions {
  /** Bearer auth (Databricks-like): every request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Who the token is, for `setPermission` (default `token-user`). */
  tokenUser?: string;
  /** Basic auth: username → password. */
  users?: Record<string, string>;
  /** One more basic-auth user, the short way. */
  username?: string;
  password?: string;
  /** Basic-auth users who are admins (every permission). */
  admins?: string[];
  /** Permission where none is set: READ with basic auth (MLflow's default_permission), else MANAGE. */
  defaultPermission?: Permission;
}

export interface Refusal {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/html; charset=utf-8';
const NOT_AUTHENTICATED =
  'You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.';

export class Access {
  private readonly users: Map<string, string>;
  private readonly admins: Set<string>;
  private readonly fallback: Permission;
  private readonly permissions = new Map<string, Permission>();

  constructor(private readonly options: AuthOptions) {
    this.users = new Map(Object.entries(options.users ?? {}));
    if (options.username !== undefined) this.users.set(options.username, options.password ?? '');
    this.admins = new Set(options.admins ?? []);
    this.fallback = options.defaultPermission ?? (this.users.size > 0 ? 'READ' : 'MANAGE');
  }

  /** The caller's name (undefined without auth), or the 401 to answer. */
  authenticate(header: string | undefined): { user?: string } | Refusal {
    if (this.options.token !== undefined) {
      if (header === `Bearer ${this.options.token}`) return { user: this.options.tokenUser ?? 'token-user' };
      return {
        status: 401,
        contentType: JSON_TYPE,
        body: JSON.stringify({ error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' }),
      };
    }
    if (this.users.size === 0) return {};
    const match = /^Basic (.+)$/i.exec(header ?? '');
    const decoded = match ? Buffer.from(match[1] ?? '', 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    if (colon >= 0 && this.users.get(user) === decoded.slice(colon + 1)) return { user };
    return {
      status: 401,
      contentType: TEXT_TYPE,
      body: NOT_AUTHENTICATED,
      headers: { 'www-authenticate': 'Basic realm="mlflow"' },
    };
  }

  /** The 403 a refused caller gets. */
  denied(): Refusal {
    return this.options.token !== undefined
      ? {
          status: 403,
          contentType: JSON_TYPE,
          body: JSON.stringify({ error_code: 'PERMISSION_DENIED', message: 'Permission denied' }),
        }
      : { status: 403, contentType: TEXT_TYPE, body: 'Permission denied' };
  }

  set(user: string, resource: string, permission: Permission): void {
    this.permissions.set(`${user}\u0000${resource}`, permission);
  }

  /** Whether `user` may act at `level` on `resource` (`model:<name>` or `experiment:<id>`). */
  allows(user: string | undefined, resource: string, level: Level): boolean {
    if (user === undefined || this.admins.has(user)) return true;
    const p = this.permissions.get(`${user}\u0000${resource}`) ?? this.fallback;
    if (level === 'read') return p !== 'NO_PERMISSIONS';
    if (level === 'update') return p === 'EDIT' || p === 'MANAGE';
    return p === 'MANAGE';
  }
}
