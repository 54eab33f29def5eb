// How many columns a line of help text takes, for yargs' layout. The build puts this in place of the
// string-width package (scripts/bundle.mjs), which compiles its emoji tables when it loads: ~30 ms of every
// `cilo` start, for help text that is ASCII and a few narrow symbols. Colour codes take no columns.

// eslint-disable-next-line no-control-regex -- the ANSI escape sequence starts with ESC
const ANSI = /\x1b\[[0-9;]*m/g;

export default function textWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}
