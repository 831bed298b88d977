// Append-only files of an agent: metrics as JSON lines and a human-readable log. Writes are
// synchronous appends, so whatever happened before a crash or a kill is on disk.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export class JsonLines {
  private readonly file: string;
  constructor(file: string) {
    this.file = file;
    mkdirSync(dirname(file), { recursive: true });
  }
  write(record: object): void {
    appendFileSync(this.file, JSON.stringify(record) + '\n');
  }
}

export type LogLevel = 'info' | 'warn' | 'error';

export class AgentLog {
  private readonly file: string;
  private readonly agent: string;
  private readonly echo: boolean;
  constructor(file: string, agent: string, echo = false) {
    this.file = file;
    this.agent = agent;
    this.echo = echo;
    mkdirSync(dirname(file), { recursive: true });
  }
  line(level: LogLevel, message: string): void {
    const text = `${new Date().toISOString()} ${level.padEnd(5)} ${this.agent} ${message}`;
    appendFileSync(this.file, text + '\n');
    if (this.echo) (level === 'info' ? console.log : console.error)(text);
  }
  info(m: string): void {
    this.line('info', m);
  }
  warn(m: string): void {
    this.line('warn', m);
  }
  error(m: string): void {
    this.line('error', m);
  }
}
