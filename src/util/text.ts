// Text from agents, mail and the store on its way to a terminal: control characters (escape
// sequences that could retitle, clear or drive the user's terminal) never reach it raw.

/** One line: every control character (newlines too) becomes U+FFFD, a tab a space. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\t' ? ' ' : '\uFFFD'));
}

/** Several lines: newlines and tabs stay, every other control character becomes U+FFFD. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD');
}
