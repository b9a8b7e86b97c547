/** How a module that failed to import is described to the person who wrote it. */

/**
 * The message of an import error with where it happened: Bun's syntax errors
 * (BuildMessage) carry the place in `position` rather than in the message;
 * Deno's already name it in the message.
 */
export function describeLoadError(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  const position = (error as { position?: { file?: string; line?: number; column?: number; lineText?: string } })?.position;
  if (!position?.file || !position.line) return message;
  const where = `${position.file}:${position.line}:${position.column ?? 0}`;
  return `${message} at ${where}${position.lineText ? `\n  ${position.line} | ${position.lineText}` : ""}`;
}
