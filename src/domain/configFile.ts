/**
 * The service's model config file (TOML) as CI reads it: the model version sits at a dotted key path.
 * Only that path counts; another key of the same name elsewhere (e.g. `model.features.version`) is not it.
 */
import { parse } from 'smol-toml';

export type VersionRead =
  | { readonly ok: true; readonly version: string }
  | { readonly ok: false; readonly problem: string };

export function readVersionAt(text: string, keyPath: readonly string[]): VersionRead {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { ok: false, problem: `the file is not valid TOML: ${(err as Error).message.split('\n')[0]}` };
  }
  let node: unknown = doc;
  for (const [i, segment] of keyPath.entries()) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !(segment in node)) {
      return { ok: false, problem: `the file has no key \`${keyPath.slice(0, i + 1).join('.')}\`` };
    }
    node = (node as Record<string, unknown>)[segment];
  }
  if (typeof node !== 'string') {
    return { ok: false, problem: `\`${keyPath.join('.')}\` is not a string (CI expects a quoted version)` };
  }
  return { ok: true, version: node };
}
