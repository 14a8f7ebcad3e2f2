/**
 * Everything a Slack message says, flattened, with the three escapes Slack decodes for display (`&lt;`,
 * `&gt;`, `&amp;`): tests read it the way a person skims it. `rawTextOf` keeps the escapes, for tests of
 * what Slack would parse as markup.
 */
// biome-ignore lint/suspicious/noExplicitAny: Block Kit payloads as received
export function textOf(message: any): string {
  return rawTextOf(message).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// biome-ignore lint/suspicious/noExplicitAny: Block Kit payloads as received
export function rawTextOf(message: any): string {
  const parts: string[] = [message?.text ?? ''];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'text' && typeof v === 'string') parts.push(v);
        else walk(v);
      }
    }
  };
  walk(message?.blocks);
  return parts.join('\n');
}
