/** Everything a Slack message says, flattened: tests read it the way a person skims it. */
// biome-ignore lint/suspicious/noExplicitAny: Block Kit payloads as received
export function textOf(message: any): string {
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
