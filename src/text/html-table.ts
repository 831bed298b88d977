// HTML tables for the report pages: the same header and rows as the text tables (src/text/table.ts),
// escaped, numeric columns right-aligned.
import type { Cell } from './table.ts';
import { escapeXml } from './xml.ts';

const NUMERIC = /^-?[\d.,]+\s*(%|[KMG]B?|s)?$/;

/** `<table>` with a `<thead>`; rows whose first cell is in `emphasis` (e.g. mean, min) are bold. */
export function htmlTable(header: readonly string[], rows: readonly (readonly Cell[])[], emphasis: readonly string[] = []): string {
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || NUMERIC.test(String(r[i] ?? '')) || r[i] === '' || r[i] === '-'));
  const cell = (tag: string, c: Cell, i: number) => `<${tag}${numeric[i] ? ' class="num"' : ''}>${escapeXml(String(c))}</${tag}>`;
  const body = rows.map((r) => `<tr${emphasis.includes(String(r[0])) ? ' class="stat"' : ''}>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`);
  return `<table><thead><tr>${header.map((h, i) => cell('th', h, i)).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

/** The page's CSS for these tables. */
export const TABLE_CSS =
  'table{border-collapse:collapse;font-size:14px;margin:8px 0 16px}th,td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}' +
  'th{background:#f3f3f3}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr.stat td{font-weight:bold;background:#fafafa}';
