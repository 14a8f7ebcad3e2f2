/**
 * Modals and trigger ids, the part of the workspace (workspace.ts) that Slack keeps per person: a modal
 * is opened with a trigger id (short-lived, tied to the person who acted), views.push stacks up to three,
 * views.update keeps the view id and changes its hash. Also the plumbing every part shares: ids, the
 * clock, and the change notification the demo's page follows.
 */
import { checkHomeView } from './blockKit.js';
import { type HomeView, type OpenView, SlackApiError, withBlockIds } from './model.js';

const viewWithBlockIds = (view: Record<string, unknown>): Record<string, unknown> => ({
  ...view,
  blocks: withBlockIds(Array.isArray(view.blocks) ? view.blocks : [], 'v') ?? [],
});

export interface ModalOptions {
  readonly now?: () => number;
  /** Slack gives 3 s; the demo allows more so a cold start on a slow machine does not fail. */
  readonly triggerTtlMs?: number;
  /** See WorkspaceOptions.lenient. */
  readonly lenient?: boolean;
}

export class Modals {
  readonly lenient: boolean;
  protected readonly now: () => number;
  private readonly views = new Map<string, OpenView[]>();
  private readonly homes = new Map<string, HomeView>();
  private readonly triggers = new Map<string, { user: string; expiresAt: number }>();
  private readonly triggerTtlMs: number;
  private readonly listeners = new Set<() => void>();
  private counter = 0;
  version = 0;

  constructor(options: ModalOptions) {
    this.now = options.now ?? Date.now;
    this.triggerTtlMs = options.triggerTtlMs ?? 10_000;
    this.lenient = options.lenient ?? false;
  }

  // ---- change notification ----

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected changed(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }

  protected id(prefix: string): string {
    this.counter += 1;
    return `${prefix}${String(this.counter).padStart(8, '0')}`;
  }

  issueTrigger(user: string): string {
    const id = `${Math.floor(this.now() / 1000)}.${this.id('')}.trigger`;
    this.triggers.set(id, { user, expiresAt: this.now() + this.triggerTtlMs });
    return id;
  }

  /** The person a trigger id was issued to; a lenient workspace takes an unknown one as nobody's. */
  private takeTrigger(triggerId: unknown): string {
    const trigger = typeof triggerId === 'string' ? this.triggers.get(triggerId) : undefined;
    if (!trigger && this.lenient) return '';
    if (!trigger) throw new SlackApiError('invalid_trigger_id');
    this.triggers.delete(String(triggerId));
    if (this.now() > trigger.expiresAt) throw new SlackApiError('expired_trigger_id');
    return trigger.user;
  }

  private newView(user: string, view: Record<string, unknown>): OpenView {
    return { id: this.id('V'), user, view: viewWithBlockIds(view), hash: this.id('h'), rev: 1 };
  }

  openView(triggerId: unknown, view: Record<string, unknown>): OpenView {
    const user = this.takeTrigger(triggerId);
    const opened = this.newView(user, view);
    this.views.set(user, [opened]);
    this.changed();
    return opened;
  }

  pushView(triggerId: unknown, view: Record<string, unknown>): OpenView {
    const user = this.takeTrigger(triggerId);
    const stack = this.views.get(user) ?? [];
    if (stack.length === 0 && !this.lenient) throw new SlackApiError('not_found');
    if (stack.length >= 3) throw new SlackApiError('push_limit_reached');
    const pushed = this.newView(user, view);
    stack.push(pushed);
    this.views.set(user, stack);
    this.changed();
    return pushed;
  }

  findView(viewId: unknown): OpenView | undefined {
    for (const stack of this.views.values()) {
      const found = stack.find((v) => v.id === viewId);
      if (found) return found;
    }
    return undefined;
  }

  updateView(viewId: unknown, view: Record<string, unknown>, hash?: unknown): OpenView {
    const found = this.findView(viewId) ?? this.unknownView(viewId);
    if (typeof hash === 'string' && hash !== found.hash) throw new SlackApiError('hash_conflict');
    found.view = viewWithBlockIds(view);
    found.hash = this.id('h');
    found.rev += 1;
    this.changed();
    return found;
  }

  /** A lenient workspace updates a view it never opened (a test's hand-made submission names one). */
  private unknownView(viewId: unknown): OpenView {
    if (!this.lenient || typeof viewId !== 'string') throw new SlackApiError('not_found');
    const made: OpenView = { id: viewId, user: '', view: {}, hash: this.id('h'), rev: 0 };
    this.views.set(`?${viewId}`, [made]);
    return made;
  }

  /**
   * views.publish: a person's Home tab, checked as Slack checks it (blocks, text lengths); `hash`, when
   * given, must be the one of the view it replaces (else `hash_conflict`).
   */
  publishHome(userId: unknown, view: Record<string, unknown>, hash?: unknown): HomeView {
    if (typeof userId !== 'string' || userId === '') throw new SlackApiError('invalid_arguments');
    if (!this.lenient && !this.isKnownUser(userId)) throw new SlackApiError('user_not_found');
    checkHomeView(view);
    const current = this.homes.get(userId);
    if (typeof hash === 'string' && current && hash !== current.hash)
      throw new SlackApiError('hash_conflict');
    const published: HomeView = current ?? { id: this.id('V'), user: userId, hash: '', view: {}, rev: 0 };
    published.view = viewWithBlockIds(view);
    published.hash = this.id('h');
    published.rev += 1;
    this.homes.set(userId, published);
    this.changed();
    return published;
  }

  /** What a person's Home tab shows, when anything was published to them. */
  homeOf(user: string): HomeView | undefined {
    return this.homes.get(user);
  }

  /** Whether the workspace knows this person (the workspace answers; modals know nobody). */
  protected isKnownUser(_user: string): boolean {
    return true;
  }

  /** The modal a person sees: the top of their stack. */
  topView(user: string): OpenView | undefined {
    return this.views.get(user)?.at(-1);
  }

  /** Closes one view and everything pushed above it; `all` closes the whole stack. */
  closeView(user: string, viewId?: string, all = false): void {
    const stack = this.views.get(user);
    if (!stack) return;
    const index = viewId === undefined ? stack.length - 1 : stack.findIndex((v) => v.id === viewId);
    if (all || index <= 0) this.views.delete(user);
    else stack.splice(index);
    this.changed();
  }

  /** response_action "update": the submitted view is replaced, keeping its id. */
  replaceView(viewId: string, view: Record<string, unknown>): void {
    const found = this.findView(viewId);
    if (!found) return;
    this.updateView(viewId, view);
  }

  /** response_action "push" after a submission. */
  pushAfterSubmit(user: string, view: Record<string, unknown>): void {
    const stack = this.views.get(user) ?? [];
    stack.push(this.newView(user, view));
    this.views.set(user, stack);
    this.changed();
  }
}
