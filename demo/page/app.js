// The demo page: a small Slack client for the local workspace, plus the outside world's controls
// (CloudWatch, the environments, GitHub, MLflow). State comes from GET /demo/state; server-sent events on
// /demo/events say when it changed. Everything people do is a POST to /demo/<action>, which the demo
// turns into what Slack, GitHub or CloudWatch would send the bot.
import { emojify, mrkdwn } from './mrkdwn.js';
import { renderAttachments, renderBlocks, textObject } from './render.js';

const $ = (id) => document.getElementById(id);

const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

const ui = {
  /** The person acting: a name ("alice"); the state is fetched for their user id. */
  as: localStorage.getItem('rollback-demo.as') || 'alice',
  channel: '',
  /** The bot's Home tab is shown instead of a channel. */
  home: false,
  /** The open thread: { channel, ts }. */
  thread: null,
  data: null,
  fetchedAt: 0,
  fetching: false,
  again: false,
  /** Rendered message nodes per pane, keyed by channel/ts, with the signature they were drawn from. */
  panes: { channel: new Map(), thread: new Map(), home: new Map() },
  viewKey: '',
  highlight: '',
  lastSeen: JSON.parse(sessionStorage.getItem('rollback-demo.seen') || '{}'),
};

// ---- talking to the demo server ----

function toast(text, kind = 'error') {
  const node = el('div', `toast toast-${kind}`, text);
  $('toasts').append(node);
  setTimeout(() => node.remove(), 6000);
}

async function post(action, body = {}) {
  const res = await fetch(`/demo/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ as: ui.as, ...body }),
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) {
    toast(answer.error ? `Could not do that: ${answer.error}` : `The demo server answered ${res.status}`);
    throw new Error(answer.error ?? String(res.status));
  }
  return answer;
}

/** Fetches the state; a change that arrives meanwhile triggers one more fetch, never a pile. */
async function refresh() {
  if (ui.fetching) {
    ui.again = true;
    return;
  }
  ui.fetching = true;
  try {
    do {
      ui.again = false;
      const res = await fetch(`/demo/state?as=${encodeURIComponent(ui.as)}`);
      ui.data = await res.json();
      ui.fetchedAt = Date.now();
      // A name remembered from another run that is not in this workspace: act as whom the server chose.
      if (!ui.data.people.some((p) => p.name === ui.as)) {
        ui.as = ui.data.people.find((p) => p.id === ui.data.me)?.name ?? ui.as;
      }
      render();
    } while (ui.again);
  } catch {
    toast('Lost the demo server. Is `npm run demo` still running?');
  } finally {
    ui.fetching = false;
  }
}

/** The acting person's user id (the server takes their name). */
function meId() {
  return ui.data?.me ?? '';
}

// ---- text context ----

function textContext() {
  const data = ui.data;
  return {
    users: data.users,
    usergroups: data.usergroups,
    channels: data.channels,
    link(url, label) {
      const pr = new RegExp(`^https://github\\.com/${data.github.repo}/pull/(\\d+)$`).exec(url);
      if (pr) {
        const a = el('a', 'pr-link', emojify(label));
        a.href = `#pr-${pr[1]}`;
        a.addEventListener('click', (event) => {
          event.preventDefault();
          flash($(`pr-${pr[1]}`));
        });
        return a;
      }
      if (data.mlflow && url.startsWith(`${data.mlflow.trackingUri}/`)) {
        // The MLflow UI is not part of the stand-in: its panel shows the model.
        const a = el('a', undefined, emojify(label || `MLflow: ${data.mlflow.model}`));
        a.href = '#mlflow';
        a.addEventListener('click', (event) => {
          event.preventDefault();
          flash($('mlflow'));
        });
        return a;
      }
      if (url.startsWith(`${location.origin}/archives/`)) {
        const a = el('a', undefined, emojify(label));
        a.href = url;
        a.addEventListener('click', (event) => {
          event.preventDefault();
          openPermalink(new URL(url));
        });
        return a;
      }
      return undefined;
    },
  };
}

function flash(node) {
  if (!node) return;
  node.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  node.classList.remove('flash');
  void node.offsetWidth;
  node.classList.add('flash');
}

function openPermalink(url) {
  const match = /^\/archives\/([A-Z0-9]+)\/p(\d+)$/.exec(url.pathname);
  if (!match) return;
  const ts = `${match[2].slice(0, -6)}.${match[2].slice(-6)}`;
  selectChannel(match[1]);
  const thread = url.searchParams.get('thread_ts');
  if (thread) openThread(match[1], thread);
  ui.highlight = ts;
  render();
}

// ---- messages ----

const byTs = (a, b) => Number(a.ts) - Number(b.ts);

function initials(name) {
  const parts = name.split(/[\s_-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? parts[0]?.[1] ?? '')).toUpperCase();
}

function clock(ts) {
  return new Date(Number(ts) * 1000).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

function repliesOf(channel, ts) {
  return ui.data.messages.filter((m) => m.channel === channel && m.threadTs === ts && !m.ephemeral);
}

function author(m) {
  const user = m.user ? ui.data.users[m.user] : undefined;
  return {
    name: user?.name ?? m.username ?? 'unknown',
    realName: user?.realName ?? m.username ?? 'unknown',
    color: user?.color ?? '#616061',
    isBot: user?.isBot ?? !m.user,
  };
}

/**
 * One message. `where`: 'channel' (top level and broadcast replies), 'thread' (replies), 'parent'
 * (the thread's first message).
 */
function messageNode(m, where, compact) {
  const who = author(m);
  const row = el('div', `msg${m.ephemeral ? ' msg-ephemeral' : ''}${compact ? ' msg-compact' : ''}`);
  row.dataset.ts = m.ts;
  row.setAttribute('role', 'article');
  row.setAttribute('aria-label', `${who.name}${m.ephemeral ? ' (only visible to you)' : ''}, ${clock(m.ts)}`);
  if (ui.highlight === m.ts) row.classList.add('flash');

  const avatar = el('div', 'avatar', who.name === 'rollback-bot' ? 'RB' : initials(who.realName));
  avatar.style.background = who.color;
  avatar.setAttribute('aria-hidden', 'true');
  const body = el('div', 'msg-body');
  const meta = el('div', 'msg-meta');
  meta.append(el('span', 'msg-author', who.name));
  if (who.isBot) meta.append(el('span', 'badge', 'APP'));
  const time = el('time', 'msg-time', clock(m.ts));
  time.dateTime = new Date(Number(m.ts) * 1000).toISOString();
  meta.append(time);
  row.append(avatar, body);
  body.append(meta);

  if (m.ephemeral) {
    const note = el('div', 'ephemeral-note');
    note.append(el('span', undefined, '👁 Only visible to you'));
    const dismiss = el('button', 'link-btn', 'Dismiss');
    dismiss.type = 'button';
    dismiss.addEventListener('click', () =>
      post('dismiss', { channel: m.channel, ts: m.ts }).catch(() => {}),
    );
    note.append(dismiss);
    body.append(note);
  }
  if (m.broadcast && where === 'channel') {
    const note = el('div', 'broadcast-note');
    const parent = ui.data.messages.find((p) => p.channel === m.channel && p.ts === m.threadTs);
    note.append('replied to a thread: ');
    const open = el('button', 'link-btn', snippet(parent));
    open.type = 'button';
    open.addEventListener('click', () => openThread(m.channel, m.threadTs));
    note.append(open);
    body.append(note);
  }
  if (m.broadcast && where === 'thread') {
    body.append(el('div', 'broadcast-note', `Also sent to #${channelName(m.channel)}`));
  }

  const ctx = {
    ...textContext(),
    confirm: confirmDialog,
    onAction: (block, element, selected) =>
      post('action', {
        source: {
          kind: 'message',
          channel: m.channel,
          ts: m.ts,
          inThread: where === 'thread' || where === 'parent',
        },
        blockId: block.block_id,
        actionId: element.action_id,
        selected,
      }).catch(() => {}),
  };
  if (m.blocks?.length) body.append(renderBlocks(m.blocks, ctx));
  else if (m.text) {
    const text = el('div', 'sk-text');
    text.append(mrkdwn(m.text, ctx));
    body.append(text);
  }
  if (m.attachments?.length) body.append(renderAttachments(m.attachments, ctx));

  if (where === 'parent') {
    const count = repliesOf(m.channel, m.ts).length;
    row.classList.add('msg-parent');
    row.append(
      el('div', 'thread-divider', count ? `${count} ${count === 1 ? 'reply' : 'replies'}` : 'No replies yet'),
    );
  }
  if (where === 'channel' && !m.threadTs && !m.ephemeral) {
    const replies = repliesOf(m.channel, m.ts);
    if (replies.length) {
      const summary = el(
        'button',
        'replies',
        `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`,
      );
      summary.type = 'button';
      summary.addEventListener('click', () => openThread(m.channel, m.ts));
      const last = replies.at(-1);
      const line = el('div', 'replies-line');
      line.append(summary, el('span', 'replies-last', `Last reply ${clock(last.ts)}`));
      body.append(line);
    }
    const reply = el('button', 'hover-action', '💬');
    reply.type = 'button';
    reply.setAttribute('aria-label', 'Reply in thread');
    reply.title = 'Reply in thread';
    reply.addEventListener('click', () => openThread(m.channel, m.ts));
    row.append(reply);
  }
  return row;
}

function snippet(m) {
  if (!m) return 'a message';
  const text = m.text || m.attachments?.[0]?.title || 'a message';
  const plain = emojify(text.replace(/<[^>|]*\|([^>]*)>/g, '$1').replace(/[*_~`]/g, ''));
  return plain.length > 60 ? `${plain.slice(0, 59)}…` : plain;
}

function channelName(id) {
  return ui.data.channels.find((c) => c.id === id)?.name ?? id;
}

/** Redraws a pane, reusing the nodes of messages that did not change. */
function drawPane(container, cache, items) {
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  const nodes = [];
  const keep = new Set();
  let previous;
  for (const { m, where } of items) {
    const compact =
      where !== 'parent' &&
      previous &&
      previous.user === m.user &&
      previous.ephemeral === m.ephemeral &&
      !m.broadcast &&
      Number(m.ts) - Number(previous.ts) < 300;
    const replies = where === 'thread' ? [] : repliesOf(m.channel, m.ts);
    const signature = [
      m.rev,
      replies.length,
      replies.at(-1)?.ts,
      compact,
      where,
      ui.highlight === m.ts,
      meId(),
    ].join('|');
    const key = `${m.channel}/${m.ts}/${m.ephemeral ? 'e' : 'p'}/${where}`;
    keep.add(key);
    let entry = cache.get(key);
    if (!entry || entry.signature !== signature) {
      entry = { signature, node: messageNode(m, where, compact) };
      cache.set(key, entry);
    }
    nodes.push(entry.node);
    previous = m;
  }
  for (const key of cache.keys()) if (!keep.has(key)) cache.delete(key);
  const same =
    nodes.length === container.children.length && nodes.every((n, i) => container.children[i] === n);
  if (!same) container.replaceChildren(...nodes);
  if (atBottom || container.dataset.fresh === 'true') {
    container.scrollTop = container.scrollHeight;
    container.dataset.fresh = 'false';
  }
}

function renderChannel() {
  const channel = ui.data.channels.find((c) => c.id === ui.channel) ?? ui.data.channels[0];
  ui.channel = channel.id;
  for (const id of ['messages', 'composer', 'suggestions']) $(id).hidden = ui.home;
  $('home').hidden = !ui.home;
  if (ui.home) {
    renderHome();
    return;
  }
  $('channel-title').textContent = `# ${channel.name}`;
  $('channel-topic').textContent = channel.topic;
  const service = ui.data.services.find((s) => s.channel === channel.id)?.name;
  $('message').placeholder = `Message #${channel.name}${service ? ` — try /rollback status ${service}` : ''}`;
  const items = ui.data.messages
    .filter((m) => m.channel === channel.id && (!m.threadTs || m.broadcast))
    .sort(byTs)
    .map((m) => ({ m, where: 'channel' }));
  drawPane($('messages'), ui.panes.channel, items);
  const latest = items.at(-1)?.m.ts;
  if (latest && ui.lastSeen[channel.id] !== latest) {
    ui.lastSeen[channel.id] = latest;
    sessionStorage.setItem('rollback-demo.seen', JSON.stringify(ui.lastSeen));
  }
}

// ---- the bot's Home tab ----

/** The view the bot published to the acting person (views.publish), and its DMs to them below. */
function renderHome() {
  const bot = ui.data.users[ui.data.bot.userId];
  $('channel-title').textContent = bot?.name ?? 'rollback-bot';
  $('channel-topic').textContent = 'Home';
  const home = ui.data.home;
  const view = $('home-view');
  const key = home ? `${home.id}:${home.hash}:${meId()}` : `none:${meId()}`;
  if (view.dataset.key !== key) {
    view.dataset.key = key;
    view.replaceChildren(
      home
        ? renderBlocks(home.view.blocks, {
            ...textContext(),
            confirm: confirmDialog,
            // A click on a Home tab: Slack sends the view (type home) and no response URL.
            onAction: (block, element, selected) =>
              post('action', {
                source: { kind: 'home', viewId: home.id },
                blockId: block.block_id,
                actionId: element.action_id,
                selected,
              }).catch(() => {}),
          })
        : el('p', 'muted', 'Opening… the bot publishes this tab when you open it.'),
    );
  }
  const dms = ui.data.messages
    .filter((m) => m.channel === ui.data.im)
    .sort(byTs)
    .map((m) => ({ m, where: 'home' }));
  drawPane($('home-messages'), ui.panes.home, dms);
}

/** Opening the Home tab: Slack sends `app_home_opened`; the bot publishes the view when it changed. */
function openHome() {
  ui.home = true;
  ui.thread = null;
  history.replaceState(null, '', '/#home');
  render();
  post('home-opened').catch(() => {});
}

function renderThread() {
  const pane = $('thread');
  const parent =
    ui.thread &&
    ui.data.messages.find((m) => m.channel === ui.thread.channel && m.ts === ui.thread.ts && !m.ephemeral);
  if (!parent) {
    pane.hidden = true;
    $('app').classList.remove('with-thread');
    return;
  }
  pane.hidden = false;
  $('app').classList.add('with-thread');
  $('thread-channel').textContent = `#${channelName(parent.channel)}`;
  const replies = ui.data.messages
    .filter((m) => m.channel === parent.channel && m.threadTs === parent.ts)
    .sort(byTs)
    .map((m) => ({ m, where: 'thread' }));
  drawPane($('thread-messages'), ui.panes.thread, [{ m: parent, where: 'parent' }, ...replies]);
}

function openThread(channel, ts) {
  ui.thread = { channel, ts };
  $('thread-messages').dataset.fresh = 'true';
  ui.panes.thread.clear();
  render();
}

function selectChannel(id) {
  if (ui.channel === id && !ui.home) return;
  ui.home = false;
  ui.channel = id;
  $('messages').dataset.fresh = 'true';
  history.replaceState(null, '', `/#${id}`);
  render();
}

// ---- sidebar ----

function renderSidebar() {
  const list = $('channel-list');
  list.replaceChildren(
    ...ui.data.channels.map((c) => {
      const item = el('li', 'sidebar-item');
      const link = el('a', undefined, `# ${c.name}`);
      link.href = `#${c.id}`;
      if (c.id === ui.channel && !ui.home) link.setAttribute('aria-current', 'page');
      const unread = ui.data.messages.filter(
        (m) =>
          m.channel === c.id &&
          (!m.threadTs || m.broadcast) &&
          (c.id !== ui.channel || ui.home) &&
          Number(m.ts) > Number(ui.lastSeen[c.id] ?? 0),
      ).length;
      if (unread) {
        link.classList.add('unread');
        link.append(el('span', 'unread-count', String(unread)));
      }
      link.addEventListener('click', (event) => {
        event.preventDefault();
        selectChannel(c.id);
      });
      item.append(link);
      return item;
    }),
  );
  $('people-list').replaceChildren(
    ...ui.data.people.map((p) => {
      const item = el('li', `sidebar-item person${p.name === ui.as ? ' me' : ''}`);
      const dot = el('span', 'presence');
      dot.style.background = p.color;
      item.append(dot, el('span', undefined, p.name), el('span', 'role', p.role));
      return item;
    }),
  );
  if (ui.home) $('open-home').setAttribute('aria-current', 'page');
  else $('open-home').removeAttribute('aria-current');
  const select = $('acting-as');
  if (select.options.length !== ui.data.people.length) {
    select.replaceChildren(
      ...ui.data.people.map((p) => {
        const option = el('option', undefined, `${p.name} (${p.role})`);
        option.value = p.name;
        return option;
      }),
    );
  }
  select.value = ui.as;
}

// ---- modal and confirmation ----

function plainText(object) {
  return emojify(String(object?.text ?? ''));
}

function renderModal() {
  const dialog = $('modal');
  const open = ui.data.view;
  if (!open) {
    ui.viewKey = '';
    if (dialog.open) dialog.close();
    return;
  }
  const key = `${open.id}:${open.hash}:${meId()}`;
  if (key === ui.viewKey && dialog.open) return;
  ui.viewKey = key;
  const view = open.view;
  $('modal-title').textContent = plainText(view.title);
  $('modal-close').textContent = plainText(view.close) || 'Cancel';
  $('modal-submit').hidden = !view.submit;
  $('modal-submit').textContent = plainText(view.submit) || 'Submit';
  $('modal-problem').hidden = true;
  $('modal-body').replaceChildren(
    renderBlocks(view.blocks, {
      ...textContext(),
      confirm: confirmDialog,
      onAction: (block, element, selected) =>
        post('action', {
          source: { kind: 'view', viewId: open.id },
          blockId: block.block_id,
          actionId: element.action_id,
          selected,
        }).catch(() => {}),
    }),
  );
  if (!dialog.open) dialog.showModal();
}

async function submitModal(event) {
  event.preventDefault();
  const open = ui.data.view;
  if (!open) return;
  const inputs = [...$('modal-body').querySelectorAll('.sk-input-block')];
  const values = inputs.map((block) => {
    const control = block.querySelector('[data-input]');
    return { blockId: block.dataset.blockId, value: control && control.value !== '' ? control.value : null };
  });
  for (const block of inputs) {
    block.classList.remove('has-error');
    block.querySelector('.sk-error').textContent = '';
  }
  $('modal-problem').hidden = true;
  const submit = $('modal-submit');
  submit.disabled = true;
  try {
    const result = await post('submit', { viewId: open.id, values });
    if (result.errors) {
      for (const [blockId, message] of Object.entries(result.errors)) {
        const block = inputs.find((b) => b.dataset.blockId === blockId);
        if (!block) continue;
        block.classList.add('has-error');
        block.querySelector('.sk-error').textContent = message;
      }
    }
    if (result.problem) {
      $('modal-problem').textContent = result.problem;
      $('modal-problem').hidden = false;
    }
    if (result.closed) {
      ui.viewKey = '';
      $('modal').close();
    }
  } catch {
    // told in a toast
  } finally {
    submit.disabled = false;
  }
}

function closeModal() {
  const open = ui.data?.view;
  ui.viewKey = '';
  if ($('modal').open) $('modal').close();
  if (open) post('close-view', { viewId: open.id }).catch(() => {});
}

/** Slack's confirmation dialog for a button with `confirm`; resolves true when confirmed. */
function confirmDialog(confirm) {
  const dialog = $('confirm');
  $('confirm-title').textContent = plainText(confirm.title) || 'Are you sure?';
  $('confirm-text').replaceChildren(textObject(confirm.text, textContext()));
  const ok = $('confirm-ok');
  ok.textContent = plainText(confirm.confirm) || 'Yes';
  ok.className = `sk-btn ${confirm.style === 'danger' ? 'sk-btn-danger' : 'sk-btn-primary'}`;
  $('confirm-deny').textContent = plainText(confirm.deny) || 'Cancel';
  return new Promise((resolve) => {
    const done = (answer) => {
      ok.onclick = null;
      $('confirm-deny').onclick = null;
      dialog.oncancel = null;
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    ok.onclick = () => done(true);
    $('confirm-deny').onclick = () => done(false);
    dialog.oncancel = () => done(false);
    dialog.showModal();
  });
}

// ---- the outside world ----

function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

/** Draws a panel only when what it shows changed: buttons under the pointer stay put. */
function drawIfChanged(container, data, draw) {
  const signature = JSON.stringify(data);
  if (container.dataset.signature === signature) return;
  container.dataset.signature = signature;
  container.replaceChildren(draw());
}

function renderWorld() {
  const { alarm, github } = ui.data;
  drawIfChanged($('alarm-state'), alarm, () => {
    const line = document.createDocumentFragment();
    line.append(
      el('code', undefined, alarm.name),
      el('span', `state state-${alarm.state === 'ALARM' ? 'alarm' : 'ok'}`, alarm.state),
    );
    return line;
  });
  drawIfChanged($('github'), github, () => githubNode(github));
  drawIfChanged($('mlflow'), ui.data.mlflow, () => mlflowNode(ui.data.mlflow));
  renderEnvironments();
}

/** The registered model, where its alias points, what each environment serves, and the last moves. */
function mlflowNode(mlflow) {
  const root = el('div');
  const model = el('div', 'repo-line');
  model.append(el('span', 'repo-name', mlflow.model));
  root.append(model);
  const alias = el('div', 'alias-line');
  alias.append(
    el('code', undefined, `@${mlflow.alias}`),
    ' → version ',
    el('strong', 'alias-version', mlflow.version ?? 'not set'),
  );
  root.append(alias);
  const table = el('table', 'env-table');
  const head = el('tr');
  head.append(el('th', undefined, 'Environment'), el('th', undefined, 'Serves'));
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  for (const env of mlflow.environments) {
    const row = el('tr');
    row.dataset.recoEnv = env.name;
    const name = el('th', undefined, env.name);
    name.scope = 'row';
    const serves = el('td');
    serves.append(el('code', 'iteration', env.version ?? '—'));
    if (env.pending) serves.append(el('div', 'pending', `⏳ loading version ${env.pending.version}…`));
    row.append(name, serves);
    tbody.append(row);
  }
  table.append(thead, tbody);
  root.append(table);
  const moves = el('ol', 'ci-log');
  moves.setAttribute('aria-label', 'Alias moves');
  moves.append(
    ...mlflow.moves.map((m) =>
      el('li', '', `${clock(m.at / 1000)} @${mlflow.alias}: ${m.from ?? '(unset)'} → ${m.to ?? '(deleted)'}`),
    ),
  );
  root.append(moves);
  root.append(
    el(
      'p',
      'panel-hint',
      'The serving layer reloads the alias: each environment follows a move after a second or two.',
    ),
  );
  return root;
}

/** Every second too: countdowns and "ago". */
function renderEnvironments() {
  const { environments, ci } = ui.data;
  const elapsed = Date.now() - ui.fetchedAt;
  const table = el('table', 'env-table');
  const head = el('tr');
  head.append(el('th', undefined, 'Environment'), el('th', undefined, 'Serves'));
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  for (const env of environments) {
    const row = el('tr');
    row.dataset.env = env.name;
    const name = el('th');
    name.scope = 'row';
    name.append(
      el('div', undefined, env.name),
      el('div', 'muted', env.deployPhase === 'merge' ? 'deploys main' : 'deploys PRs'),
    );
    const serves = el('td');
    serves.append(el('code', 'iteration', env.iteration));
    const detail = el(
      'div',
      'muted',
      `git ${env.gitSha}${env.source === 'initial' ? '' : ` · from ${env.source} · ${ago(Date.now() - env.since)}`}`,
    );
    serves.append(detail);
    if (env.pending) {
      const left = Math.max(0, Math.ceil((env.pending.inMs - elapsed) / 1000));
      serves.append(
        el(
          'div',
          'pending',
          left > 0
            ? `⏳ deploying ${env.pending.source} in ${left} s`
            : `⏳ deploying ${env.pending.source}…`,
        ),
      );
    }
    row.append(name, serves);
    tbody.append(row);
  }
  table.append(thead, tbody);
  $('environments').replaceChildren(table);
  drawIfChanged($('ci-log'), ci, () => {
    const lines = document.createDocumentFragment();
    lines.append(
      ...ci.map((line) => el('li', line.ok ? '' : 'ci-bad', `${clock(line.at / 1000)} ${line.text}`)),
    );
    return lines;
  });
}

function githubNode(github) {
  const root = el('div');
  const repo = el('div', 'repo-line');
  repo.append(el('span', 'repo-name', github.repo));
  root.append(repo);
  const main = el('div', 'main-line');
  main.append(
    'main ',
    el('code', undefined, github.main.sha ?? ''),
    ` · ${github.configPath}: `,
    el('code', undefined, `version = "${github.main.version}"`),
  );
  root.append(main);
  // A developer's PR (the acting person's, not the bot's): what a pin is there to stop.
  const actions = el('div', 'panel-actions');
  const rollForward = el('button', 'sk-btn', 'Open a roll-forward PR');
  rollForward.type = 'button';
  rollForward.title = `As the person acting: a branch setting version = "1.25.3" in ${github.configPath}, and a PR from it`;
  rollForward.addEventListener('click', () => post('roll-forward').catch(() => {}));
  actions.append(rollForward);
  root.append(actions);
  if (github.pulls.length === 0) {
    root.append(el('p', 'muted', 'No pull requests yet. The bot opens one when a rollback is approved.'));
  }
  for (const pr of github.pulls) root.append(pullNode(pr));
  return root;
}

const CHECK_WORDS = {
  success: ['✓', 'passing'],
  failure: ['✗', 'failing'],
  error: ['✗', 'errored'],
  pending: ['●', 'pending'],
  queued: ['●', 'queued'],
  in_progress: ['●', 'in progress'],
};

/** The PR's checks as GitHub lists them: commit statuses and check runs on its head commit. */
function checksNode(pr) {
  const list = el('ul', 'pr-checks');
  list.setAttribute('aria-label', `Checks of #${pr.number}`);
  for (const check of pr.checks) {
    const [mark, word] = CHECK_WORDS[check.state] ?? ['●', String(check.state)];
    const tone = check.state === 'success' ? 'ok' : mark === '✗' ? 'bad' : 'wait';
    const item = el('li', `pr-check pr-check-${tone}`);
    item.dataset.check = check.name;
    item.append(
      el('span', 'pr-check-mark', mark),
      el('strong', undefined, `${check.name}: ${word}`),
      check.description ? ` — ${check.description}` : '',
    );
    // Details: the bot links the pinning rollback's thread (a permalink into this page); nothing else.
    if (typeof check.url === 'string' && check.url.startsWith(`${location.origin}/archives/`)) {
      const a = el('a', 'pr-check-details', 'Details');
      a.href = check.url;
      a.addEventListener('click', (event) => {
        event.preventDefault();
        openPermalink(new URL(check.url));
      });
      item.append(' ', a);
    }
    list.append(item);
  }
  return list;
}

function pullNode(pr) {
  const card = el('article', `pr pr-${pr.state}`);
  card.id = `pr-${pr.number}`;
  card.setAttribute('aria-labelledby', `pr-${pr.number}-title`);
  const title = el('h3', 'pr-title');
  title.id = `pr-${pr.number}-title`;
  title.append(
    el('span', `pr-state pr-state-${pr.state}`, pr.state[0].toUpperCase() + pr.state.slice(1)),
    ` #${pr.number} ${pr.title}`,
  );
  card.append(title);
  card.append(
    el(
      'div',
      'muted',
      pr.state === 'merged'
        ? `${pr.mergedBy ?? 'someone'} merged ${pr.branch} into main`
        : `${pr.author} wants to merge ${pr.branch} into main`,
    ),
  );
  if (pr.labels.length) {
    const labels = el('div', 'labels');
    for (const label of pr.labels) labels.append(el('span', 'label', label));
    card.append(labels);
  }
  if (pr.checks.length) card.append(checksNode(pr));
  for (const file of pr.diff) {
    const diff = el('div', 'diff');
    diff.append(el('div', 'diff-file', file.filename));
    for (const line of file.removed) diff.append(el('div', 'diff-line diff-del', `- ${line}`));
    for (const line of file.added) diff.append(el('div', 'diff-line diff-add', `+ ${line}`));
    card.append(diff);
  }
  if (pr.state === 'open') {
    const actions = el('div', 'panel-actions');
    const merge = el('button', 'sk-btn sk-btn-primary', 'Merge pull request');
    merge.type = 'button';
    merge.addEventListener('click', () => post('merge', { number: pr.number }).catch(() => {}));
    const close = el('button', 'sk-btn', 'Close pull request');
    close.type = 'button';
    close.addEventListener('click', () => post('close-pr', { number: pr.number }).catch(() => {}));
    actions.append(merge, close);
    card.append(actions);
  }
  return card;
}

// ---- composing ----

/** Commands to try, for the service of the channel shown (two services: commands name theirs). */
function suggestionsFor(service) {
  return [
    `/rollback status ${service}`,
    `/rollback versions ${service}`,
    `/rollback to previous ${service}`,
    '/rollback help',
    '/rollback',
  ];
}

function renderSuggestions() {
  const service =
    ui.data.services.find((s) => s.channel === ui.channel)?.name ?? ui.data.services[0]?.name ?? '';
  const box = $('suggestions');
  if (box.dataset.service === service) return;
  box.dataset.service = service;
  box.replaceChildren(
    el('span', 'muted', 'Try:'),
    ...suggestionsFor(service).map((text) => {
      const chip = el('button', 'chip', text);
      chip.type = 'button';
      chip.addEventListener('click', () => {
        $('message').value = `${text} `;
        $('message').focus();
      });
      return chip;
    }),
  );
}

function setupComposer(form, textarea, target) {
  const send = async () => {
    const text = textarea.value;
    if (!text.trim()) return;
    textarea.value = '';
    textarea.style.height = '';
    try {
      await post('message', { text, ...target() });
    } catch {
      textarea.value = text;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  textarea.addEventListener('input', () => {
    textarea.style.height = '';
    textarea.style.height = `${Math.min(textarea.scrollHeight, 160)}px`;
  });
}

// ---- drawing everything ----

function render() {
  if (!ui.data) return;
  renderSidebar();
  renderChannel();
  renderThread();
  renderWorld();
  renderSuggestions();
  renderModal();
}

function start() {
  const path = new URL(location.href);
  if (path.pathname.startsWith('/archives/')) {
    ui.pendingPermalink = path;
  } else if (/^#C[A-Z0-9]+$/.test(location.hash)) {
    ui.channel = location.hash.slice(1);
  } else if (location.hash === '#home') {
    ui.home = true;
  }
  $('messages').dataset.fresh = 'true';

  $('acting-as').addEventListener('change', (event) => {
    ui.as = event.target.value;
    localStorage.setItem('rollback-demo.as', ui.as);
    ui.panes.channel.clear();
    ui.panes.thread.clear();
    ui.panes.home.clear();
    ui.viewKey = '';
    refresh();
    // Someone else looking at the Home tab: it is their open, and their view.
    if (ui.home) post('home-opened').catch(() => {});
  });
  $('open-home').addEventListener('click', (event) => {
    event.preventDefault();
    openHome();
  });
  setupComposer($('composer'), $('message'), () => ({ channel: ui.channel }));
  setupComposer($('reply-composer'), $('reply'), () => ({
    channel: ui.thread?.channel,
    threadTs: ui.thread?.ts,
  }));
  $('close-thread').addEventListener('click', () => {
    ui.thread = null;
    render();
  });
  $('modal-form').addEventListener('submit', submitModal);
  $('modal-close').addEventListener('click', closeModal);
  $('modal-x').addEventListener('click', closeModal);
  $('modal').addEventListener('cancel', (event) => {
    event.preventDefault();
    closeModal();
  });
  const alertsChannel = () => ui.data?.channels.find((c) => c.name === 'ml-alerts')?.id;
  $('raise-alarm').addEventListener('click', async () => {
    await post('alarm', { state: 'ALARM' }).catch(() => {});
    selectChannel(alertsChannel());
  });
  $('resolve-alarm').addEventListener('click', async () => {
    await post('alarm', { state: 'OK' }).catch(() => {});
    selectChannel(alertsChannel());
  });
  $('alert-message').addEventListener('click', async () => {
    await post('alert-message').catch(() => {});
    selectChannel(alertsChannel());
  });

  const events = new EventSource('/demo/events');
  events.onmessage = (event) => {
    if (!ui.data || Number(event.data) !== ui.data.version) refresh();
  };
  // Countdowns and "ago" in the world panel.
  setInterval(() => ui.data && renderEnvironments(), 1000);
  refresh().then(() => {
    if (ui.pendingPermalink) openPermalink(ui.pendingPermalink);
    if (ui.home) post('home-opened').catch(() => {});
  });
}

start();
