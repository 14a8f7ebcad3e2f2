/** Sizes as people read them. */
export function formatBytes(bytes: number): string {
  return bytes % 1024 === 0 && bytes >= 1024 ? `${bytes / 1024} KB` : `${bytes} bytes`;
}
