/**
 * A small typed reader over parsed TOML that records every problem with its dotted key path, so an
 * operator sees all mistakes in one start-up attempt rather than one per restart.
 */
export type Table = Record<string, unknown>;

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid bot config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const isTable = (value: unknown): value is Table =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (isTable(value)) return 'a table';
  return `${typeof value} ${JSON.stringify(value)}`;
}

export class Reader {
  private readonly seen = new Set<string>();

  constructor(
    private readonly data: Table,
    readonly path: string,
    private readonly problems: string[],
  ) {}

  private key(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  problem(name: string, message: string): void {
    this.problems.push(`${this.key(name)}: ${message}`);
  }

  private raw(name: string): unknown {
    this.seen.add(name);
    return this.data[name];
  }

  /** The raw value under `name` (read: never "unknown key"), for shapes the typed readers do not cover. */
  value(name: string): unknown {
    return this.raw(name);
  }

  has(name: string): boolean {
    return this.data[name] !== undefined;
  }

  /** A key present where it means nothing: one problem saying why (and not also "unknown key"). */
  refuse(name: string, why: string): void {
    if (!this.has(name)) return;
    this.seen.add(name);
    this.problem(name, why);
  }

  string(
    name: string,
    opts: { default?: string; pattern?: RegExp; hint?: string; allowEmpty?: boolean } = {},
  ): string {
    const value = this.raw(name);
    if (value === undefined && opts.default !== undefined) return opts.default;
    if (typeof value !== 'string' || (value.trim() === '' && !opts.allowEmpty)) {
      this.problem(name, `expected ${opts.hint ?? 'a non-empty string'}, got ${describe(value)}`);
      return opts.default ?? '';
    }
    if (opts.pattern && !opts.pattern.test(value)) {
      this.problem(
        name,
        `expected ${opts.hint ?? `text matching ${opts.pattern}`}, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  }

  optionalString(name: string, opts: { pattern?: RegExp; hint?: string } = {}): string | undefined {
    return this.has(name) ? this.string(name, opts) : (this.raw(name) as undefined);
  }

  number(name: string, opts: { default: number; min?: number; max?: number; integer?: boolean }): number {
    const value = this.raw(name);
    if (value === undefined) return opts.default;
    const kind = opts.integer ? 'an integer' : 'a number';
    const range =
      opts.min !== undefined && opts.max !== undefined
        ? ` from ${opts.min} to ${opts.max}`
        : opts.min !== undefined
          ? ` of at least ${opts.min}`
          : '';
    if (
      typeof value !== 'number' ||
      Number.isNaN(value) ||
      (opts.integer && !Number.isInteger(value)) ||
      (opts.min !== undefined && value < opts.min) ||
      (opts.max !== undefined && value > opts.max)
    ) {
      this.problem(name, `expected ${kind}${range}, got ${describe(value)}`);
      return opts.default;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.problem(name, `expected true or false, got ${describe(value)}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback?: T): T {
    const value = this.raw(name);
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.problem(
        name,
        `expected one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${describe(value)}`,
      );
      return fallback ?? (choices[0] as T);
    }
    return value as T;
  }

  strings(name: string, opts: { default?: string[]; pattern?: RegExp; hint?: string } = {}): string[] {
    const value = this.raw(name);
    if (value === undefined) return opts.default ?? [];
    if (!Array.isArray(value)) {
      this.problem(name, `expected an array of ${opts.hint ?? 'strings'}, got ${describe(value)}`);
      return opts.default ?? [];
    }
    const out: string[] = [];
    value.forEach((item, i) => {
      if (typeof item !== 'string' || (opts.pattern && !opts.pattern.test(item))) {
        this.problems.push(
          `${this.key(name)}[${i}]: expected ${opts.hint ?? 'a string'}, got ${describe(item)}`,
        );
      } else out.push(item);
    });
    return out;
  }

  table(name: string, opts: { optional?: boolean } = {}): Reader {
    const value = this.raw(name);
    if (value === undefined && opts.optional) return new Reader({}, this.key(name), this.problems);
    if (!isTable(value)) {
      this.problem(name, `expected a table ([${this.key(name)}]), got ${describe(value)}`);
      return new Reader({}, this.key(name), this.problems);
    }
    return new Reader(value, this.key(name), this.problems);
  }

  /** An array of tables (`[[name]]`). */
  tables(name: string): Reader[] {
    const value = this.raw(name);
    if (!Array.isArray(value) || value.length === 0 || !value.every(isTable)) {
      this.problem(name, `expected one or more [[${this.key(name)}]] tables, got ${describe(value)}`);
      return [];
    }
    return value.map((t, i) => new Reader(t, `${this.key(name)}[${i}]`, this.problems));
  }

  /** Sub-tables keyed by name (`[services.<name>]`). */
  entries(): Array<[string, Reader]> {
    return Object.entries(this.data).map(([k, v]) => {
      this.seen.add(k);
      if (!isTable(v)) {
        this.problem(k, `expected a table ([${this.key(k)}]), got ${describe(v)}`);
        return [k, new Reader({}, this.key(k), this.problems)];
      }
      return [k, new Reader(v, this.key(k), this.problems)];
    });
  }

  /** Reports keys nobody read: almost always a typo that would otherwise be silently ignored. */
  rejectUnknown(): void {
    for (const k of Object.keys(this.data)) {
      if (!this.seen.has(k)) this.problem(k, 'unknown key (check the spelling against the README)');
    }
  }
}
