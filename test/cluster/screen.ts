// A terminal for the progress tests: a Writable that is a TTY of a given width and keeps a screen of
// rows as a real terminal would draw them, from the few escape sequences that readline and
// cli-progress write (cursor column and up/down, erase in line and below, cursor and wrap modes).
import { Writable } from 'node:stream';

export class Screen extends Writable {
  readonly isTTY = true;
  rows: string[] = [''];
  /** Whether anything was written past the last column. */
  overflowed = false;
  private r = 0;
  private c = 0;
  readonly columns: number;

  constructor(columns: number) {
    super();
    this.columns = columns;
  }

  override _write(chunk: Buffer | string, _enc: string, done: () => void): void {
    const text = String(chunk);
    // CSI sequences, ESC 7 / ESC 8, and plain characters
    for (const m of text.matchAll(/\x1b\[([?\d;]*)([A-Za-z])|\x1b[78]|([^\x1b])/gs)) {
      if (m[3] !== undefined) this.put(m[3]);
      else if (m[2] !== undefined) this.csi(m[1], m[2]);
    }
    done();
  }

  private put(ch: string): void {
    if (ch === '\n') {
      this.r++;
      this.c = 0;
    } else if (ch === '\r') this.c = 0;
    else {
      if (this.c >= this.columns) this.overflowed = true;
      const row = this.row().padEnd(this.c);
      this.rows[this.r] = row.slice(0, this.c) + ch + row.slice(this.c + 1);
      this.c++;
    }
    this.row();
  }

  private row(): string {
    while (this.rows.length <= this.r) this.rows.push('');
    return this.rows[this.r];
  }

  private csi(arg: string, cmd: string): void {
    const n = arg === '' || arg.startsWith('?') ? 1 : Number(arg.split(';')[0]);
    if (cmd === 'A') this.r = Math.max(0, this.r - n);
    else if (cmd === 'B') this.r += n;
    else if (cmd === 'G') this.c = n - 1;
    else if (cmd === 'K') this.rows[this.r] = arg === '2' || arg === '1' ? '' : this.row().slice(0, this.c);
    else if (cmd === 'J') this.rows = [...this.rows.slice(0, this.r), this.row().slice(0, this.c)];
    this.row();
  }

  /** The screen's rows, trailing blanks trimmed. */
  lines(): string[] {
    return this.rows.map((l) => l.trimEnd());
  }
}
