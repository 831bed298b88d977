// Which lines of libtensorflow's stderr are its chatter rather than its errors. Pure, so that the
// loader (native-load.ts) and the tests share one definition.

/** absl prints this once, before its first message, when the host never called absl::InitializeLog. */
export const ABSL_PREAMBLE = 'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR';

// absl/glog: severity, MMDD, hh:mm:ss.micros, thread, file:line. Before absl::InitializeLog the date is
// 0000 and the clock is 00:00 plus the seconds since the epoch: `I0000 00:00:1796155257.726377  2459 port.cc:153]`.
const ABSL_LINE = /^([IWEF])\d{4} \d{2}:\d{2}:\d+(?:\.\d+)?\s+\d+\s+[^\s:\]]+:\d+\]/;
// TensorFlow's own pre-absl format: `2026-12-01 20:00:00.123456: W tensorflow/core/...:12] text`.
const TSL_LINE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?: ([IWEF]) \S+:\d+\]/;

/** The severity letter of a TensorFlow log line, or undefined for any other line. */
export function tensorflowLogSeverity(line: string): 'I' | 'W' | 'E' | 'F' | undefined {
  if (line.trim() === ABSL_PREAMBLE) return 'W';
  const m = ABSL_LINE.exec(line) ?? TSL_LINE.exec(line);
  return m ? (m[1] as 'I' | 'W' | 'E' | 'F') : undefined;
}

/** Info and warning lines are TensorFlow's chatter; errors and fatal lines are kept, as is everything else. */
export function isTensorflowChatter(line: string): boolean {
  const s = tensorflowLogSeverity(line);
  return s === 'I' || s === 'W';
}

/** `text` without TensorFlow's info and warning lines (line endings of the kept lines preserved). */
export function dropTensorflowChatter(text: string): string {
  return text
    .split(/(?<=\n)/)
    .filter((line) => !isTensorflowChatter(line.replace(/\r?\n$/, '')))
    .join('');
}
