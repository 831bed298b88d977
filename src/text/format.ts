// Numbers and times as the scripts and reports print them: one spelling of each, so that two tables of
// the same run agree to the character.

/**
 * A fraction as a percentage without the sign, to `digits` decimals (0.9512 -> "95.1"); "-" for a
 * value that is missing or NaN (a head or a run that has no figure), so a table cell is never "NaN".
 */
export function pct(x: number | undefined, digits = 1): string {
  return x === undefined || Number.isNaN(x) ? '-' : (100 * x).toFixed(digits);
}

/**
 * The moment a run (or an experiment, or a bench) started, for its directory's name: local time as
 * YYYYMMDD-HHMMSS, which sorts in time order as text and reads as a date.
 */
export function runStamp(date: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** `text` broken at spaces into lines of at most `width` characters (a longer word stays whole); continued lines start with `indent`. */
export function wrapWords(text: string, width: number, indent = '  '): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}
