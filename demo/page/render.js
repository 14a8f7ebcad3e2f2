// Block Kit → DOM, for messages and modals. Every string is set as text (textContent or text nodes);
// mrkdwn goes through mrkdwn.js. Interactive elements are real <button>, <select>, <input> elements
// named by their visible text, so people, screen readers and browser tests can use them.
import { emojify, mrkdwn } from './mrkdwn.js';

const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

const wrap = (tag, className, child) => {
  const node = el(tag, className);
  node.append(child);
  return node;
};

/** A text object: mrkdwn or plain_text (with :emoji: when `emoji` is not false). */
export function textObject(object, ctx) {
  if (!object) return document.createDocumentFragment();
  if (object.type === 'mrkdwn') return mrkdwn(object.text, ctx);
  const text = String(object.text ?? '');
  return document.createTextNode(object.emoji === false ? text : emojify(text));
}

const plain = (object) => emojify(String(object?.text ?? ''));

let uid = 0;
const nextId = (prefix) => {
  uid += 1;
  return `${prefix}-${uid}`;
};

function button(element, block, ctx) {
  if (element.url) {
    const a = el('a', `sk-btn${element.style ? ` sk-btn-${element.style}` : ''}`, plain(element.text));
    a.href = /^https?:/i.test(element.url) ? element.url : '#';
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }
  const b = el('button', `sk-btn${element.style ? ` sk-btn-${element.style}` : ''}`, plain(element.text));
  b.type = 'button';
  if (element.accessibility_label) b.setAttribute('aria-label', element.accessibility_label);
  b.addEventListener('click', async () => {
    if (element.confirm && !(await ctx.confirm(element.confirm))) return;
    b.disabled = true;
    try {
      await ctx.onAction?.(block, element);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

function options(element) {
  const groups = (element.option_groups ?? []).flatMap((g) => g.options ?? []);
  return [...(element.options ?? []), ...groups];
}

function select(element, block, ctx, inInput) {
  const s = el('select', 'sk-select');
  const placeholder = el('option', undefined, plain(element.placeholder) || 'Select an option');
  placeholder.value = '';
  placeholder.disabled = true;
  s.append(placeholder);
  for (const option of options(element)) {
    const o = el('option', undefined, plain(option.text));
    o.value = option.value;
    s.append(o);
  }
  s.value = element.initial_option?.value ?? '';
  if (!inInput || element.dispatch_action || block.dispatch_action) {
    if (!inInput) s.setAttribute('aria-label', plain(element.placeholder) || 'Select an option');
    s.addEventListener('change', () => ctx.onAction?.(block, element, s.value));
  }
  return s;
}

function textInput(element) {
  const input = element.multiline ? el('textarea', 'sk-input') : el('input', 'sk-input');
  if (!element.multiline) input.type = 'text';
  if (element.placeholder) input.placeholder = plain(element.placeholder);
  if (element.initial_value) input.value = element.initial_value;
  if (element.max_length) input.maxLength = element.max_length;
  return input;
}

function element(element, block, ctx, inInput = false) {
  switch (element.type) {
    case 'button':
      return button(element, block, ctx);
    case 'static_select':
      return select(element, block, ctx, inInput);
    case 'plain_text_input':
      return textInput(element);
    case 'image':
      return image(element);
    case 'mrkdwn':
    case 'plain_text':
      return wrap('span', 'sk-context-text', textObject(element, ctx));
    default:
      return el('span', 'sk-unsupported', `[${element.type} not shown in this demo]`);
  }
}

/** Images are not fetched (the demo makes no outside requests): their description is shown. */
function image(element) {
  return el('span', 'sk-image', `🖼 ${element.alt_text ?? 'image'}`);
}

function section(block, ctx) {
  const root = el('div', 'sk-section');
  const main = el('div', 'sk-section-main');
  if (block.text) {
    const text = el('div', 'sk-text');
    text.append(textObject(block.text, ctx));
    main.append(text);
  }
  if (block.fields?.length) {
    const fields = el('div', 'sk-fields');
    for (const field of block.fields) {
      const f = el('div', 'sk-field');
      f.append(textObject(field, ctx));
      fields.append(f);
    }
    main.append(fields);
  }
  root.append(main);
  if (block.accessory) {
    const accessory = el('div', 'sk-accessory');
    accessory.append(element(block.accessory, block, ctx));
    root.append(accessory);
  }
  return root;
}

function input(block, ctx) {
  const root = el('div', 'sk-input-block');
  root.dataset.blockId = block.block_id;
  const id = nextId('input');
  const label = el('label', 'sk-label');
  label.htmlFor = id;
  label.append(plain(block.label));
  if (block.optional) label.append(el('span', 'sk-optional', ' (optional)'));
  const control = element(block.element ?? {}, block, ctx, true);
  control.id = id;
  control.dataset.input = 'true';
  root.append(label, control);
  if (block.hint) root.append(el('div', 'sk-hint', plain(block.hint)));
  const error = el('div', 'sk-error');
  error.setAttribute('role', 'alert');
  error.id = `${id}-error`;
  control.setAttribute('aria-describedby', error.id);
  root.append(error);
  return root;
}

function block(b, ctx) {
  switch (b.type) {
    case 'header': {
      const h = el('div', 'sk-header');
      h.setAttribute('role', 'heading');
      h.setAttribute('aria-level', '3');
      h.append(plain(b.text));
      return h;
    }
    case 'section':
      return section(b, ctx);
    case 'context': {
      const c = el('div', 'sk-context');
      for (const e of b.elements ?? []) {
        const part = el('span', 'sk-context-part');
        part.append(e.type === 'image' ? image(e) : textObject(e, ctx));
        c.append(part);
      }
      return c;
    }
    case 'divider':
      return el('hr', 'sk-divider');
    case 'actions': {
      const row = el('div', 'sk-actions');
      for (const e of b.elements ?? []) row.append(element(e, b, ctx));
      return row;
    }
    case 'input':
      return input(b, ctx);
    case 'image':
      return el('div', 'sk-image-block', `🖼 ${b.alt_text ?? 'image'}`);
    case 'markdown':
      return el('div', 'sk-text', b.text ?? '');
    default:
      return el('div', 'sk-unsupported', `[${b.type} block not shown in this demo]`);
  }
}

/** Blocks of a message or a modal. ctx: mrkdwn context + onAction(block, element, selected) + confirm(). */
export function renderBlocks(blocks, ctx) {
  const root = el('div', 'sk-blocks');
  for (const b of blocks ?? []) root.append(block(b, ctx));
  return root;
}

const ATTACHMENT_COLORS = { good: '#2eb67d', warning: '#ecb22e', danger: '#e01e5a' };

/** Legacy attachments (other tools still post alerts this way). */
export function renderAttachments(attachments, ctx) {
  const root = el('div', 'sk-attachments');
  for (const a of attachments ?? []) {
    const box = el('div', 'sk-attachment');
    const color =
      ATTACHMENT_COLORS[a.color] ??
      (/^#?[0-9a-f]{6}$/i.test(a.color ?? '') ? `#${a.color.replace('#', '')}` : '#dddddd');
    box.style.borderLeftColor = color;
    if (a.pretext) box.append(wrap('div', 'sk-text', mrkdwn(a.pretext, ctx)));
    if (a.author_name) box.append(el('div', 'sk-attachment-author', a.author_name));
    if (a.title) {
      const title = el('div', 'sk-attachment-title');
      title.append(mrkdwn(a.title, ctx));
      box.append(title);
    }
    if (a.text) {
      const text = el('div', 'sk-text');
      text.append(mrkdwn(a.text, ctx));
      box.append(text);
    }
    if (a.fields?.length) {
      const fields = el('div', 'sk-fields');
      for (const f of a.fields) {
        const field = el('div', 'sk-field');
        field.append(
          el('strong', undefined, f.title ?? ''),
          document.createElement('br'),
          mrkdwn(f.value ?? '', ctx),
        );
        fields.append(field);
      }
      box.append(fields);
    }
    if (a.blocks) box.append(renderBlocks(a.blocks, ctx));
    if (a.footer) box.append(el('div', 'sk-context', a.footer));
    root.append(box);
  }
  return root;
}
