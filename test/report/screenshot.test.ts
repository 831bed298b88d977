// report.html and compare.html in a real browser: headless Chromium renders each page to a PNG, which
// must decode to the window's size with more than a blank page in it (text, tables, chart lines). Skipped,
// saying so, where no Chromium is installed (Debian: apt-get install chromium).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { buildRunReport } from '../../src/report/build.ts';
import { writeComparison } from '../../src/report/compare.ts';
import { fakeRun } from '../helpers/run-dir.ts';
import { richRun } from './rich-run.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { summarize } from '../../src/report/summary.ts';
import { writeReport } from '../../src/report/html.ts';
import { tempDir } from '../helpers/config.ts';

const CHROMIUM = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
if (!CHROMIUM) console.warn('screenshot test skipped: no Chromium (set CHROMIUM=/path or apt-get install chromium)');

/** Width, height and the RGB(A) rows of an 8-bit, non-interlaced PNG (what Chromium writes). */
function decodePng(buf: Buffer): { width: number; height: number; pixel: (x: number, y: number) => number[] } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let pos = 8;
  let width = 0, height = 0, colourType = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8);
      colourType = data[9];
      expect(data[12]).toBe(0);
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const bpp = colourType === 6 ? 4 : colourType === 2 ? 3 : 0;
  expect(bpp).toBeGreaterThan(0);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[y * stride + i - bpp] : 0;
      const b = y > 0 ? out[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= bpp ? out[(y - 1) * stride + i - bpp] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter];
      out[y * stride + i] = (line[i] + pred) & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [...out.subarray(y * stride + x * bpp, y * stride + x * bpp + 3)] };
}

function screenshot(page: string, size = '1280,2000'): ReturnType<typeof decodePng> {
  const dir = tempDir('mhd-shot-');
  const png = join(dir, 'page.png');
  execFileSync(CHROMIUM!, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    `--user-data-dir=${join(dir, 'profile')}`, `--screenshot=${png}`, `--window-size=${size}`, `file://${page}`,
  ], { stdio: 'ignore', timeout: 60_000 });
  return decodePng(readFileSync(png));
}

/** Share of sampled pixels that are not white, and how many distinct colours among them. */
function ink(img: ReturnType<typeof decodePng>, y0: number, y1: number): { share: number; colours: number } {
  let dark = 0, n = 0;
  const colours = new Set<string>();
  for (let y = y0; y < Math.min(y1, img.height); y += 3)
    for (let x = 0; x < img.width; x += 3) {
      const p = img.pixel(x, y);
      n++;
      if (p.some((v) => v < 235)) {
        dark++;
        colours.add(p.map((v) => v >> 4).join());
      }
    }
  return { share: dark / n, colours: colours.size };
}

describe.skipIf(!CHROMIUM)('pages in a headless browser', () => {
  it('report.html renders its tables and charts', { timeout: 90_000 }, () => {
    const img = screenshot(buildRunReport(fakeRun({ agents: 4, heads: 2, rounds: 5 })).reportFile);
    expect([img.width, img.height]).toEqual([1280, 2000]);
    // not a blank or one-colour page: text and table rules at the top, coloured chart lines below
    expect(ink(img, 0, 700).share).toBeGreaterThan(0.02);
    expect(ink(img, 0, 2000).colours).toBeGreaterThan(8);
  });

  it('a full report (baseline, time, bytes, loss, trust, teachers) renders down to its last section', { timeout: 90_000 }, () => {
    const run = readRun(richRun({ agents: 6, rounds: 6, heads: 2, liars: { a2: 'shift' } }));
    const base = readRun(richRun({ agents: 6, rounds: 6, heads: 2, priv: () => 0.9 }));
    const img = screenshot(writeReport(run, summarize(run), { run: base, summary: summarize(base) }), '1200,6000');
    // charts all the way down, not a page that stops after the tables
    for (let y = 0; y < 4800; y += 1200) expect(ink(img, y, y + 1200).share, `rows ${y}-${y + 1200}`).toBeGreaterThan(0.01);
    // the topology's colour bar is drawn: its dark purple end (viridis 0, #440154) is on the page
    let purple = 0;
    for (let y = 0; y < 2400; y += 2) for (let x = 0; x < img.width; x += 2) {
      const [r, g, b] = img.pixel(x, y);
      if (Math.abs(r - 0x44) < 12 && g < 16 && Math.abs(b - 0x54) < 12) purple++;
    }
    expect(purple).toBeGreaterThan(3);
  });

  it('compare.html renders', { timeout: 90_000 }, () => {
    const out = join(tempDir(), 'compare.html');
    writeComparison(out, [{ dir: fakeRun({ agents: 4, bytes: 2000 }) }, { dir: fakeRun({ agents: 4, shared: () => 0.8, bytes: 500 }) }]);
    const img = screenshot(out);
    // a sparse page: a table and three charts on white
    expect(ink(img, 0, 400).share).toBeGreaterThan(0.01);
    expect(ink(img, 0, 2000).colours).toBeGreaterThan(4);
  });
});
