// An export in a browser: headless Chromium loads plain TensorFlow.js (the core, cpu and layers bundles
// of node_modules) and the exported model.json over http with tf.loadLayersModel, as a web page would,
// and predicts every head as the agent's model does. Skipped, saying so, where no Chromium is installed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { selectBackend, tf } from '../../src/model/backend.ts';
import { exportModel } from '../../src/model/export-layers.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { tempDir } from '../helpers/config.ts';

const CHROMIUM = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
if (!CHROMIUM) console.warn('export-browser test skipped: no Chromium (set CHROMIUM=/path or apt-get install chromium)');
const require = createRequire(import.meta.url);
const bundle = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', file);
const BUNDLES = { 'tf-core.min.js': bundle('@tensorflow/tfjs-core', 'tf-core.min.js'), 'tf-backend-cpu.min.js': bundle('@tensorflow/tfjs-backend-cpu', 'tf-backend-cpu.min.js'), 'tf-layers.min.js': bundle('@tensorflow/tfjs-layers', 'tf-layers.min.js') };

const PAGE = `<!doctype html><html><body><pre id="out">pending</pre>
${Object.keys(BUNDLES).map((b) => `<script src="${b}"></script>`).join('')}
<script>
(async () => {
  try {
    await tf.setBackend('cpu');
    const m = await tf.loadLayersModel('/model/model.json');
    const x = tf.reshape(tf.linspace(0, 1, 6 * 5 * 3 * 2), [2, 6, 5, 3]);
    const ys = [].concat(m.predict(x));
    document.getElementById('out').textContent = 'RESULT ' + JSON.stringify({ names: m.outputNames, outputs: ys.map((y) => Array.from(y.dataSync())) });
  } catch (e) {
    document.getElementById('out').textContent = 'ERROR ' + e.message;
  }
})();
</script></body></html>`;

describe.skipIf(!CHROMIUM)('an export in a browser', () => {
  const dir = tempDir('mhd-export-browser-');
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    await selectBackend(TEST_BACKEND);
    writeFileSync(join(dir, 'page.html'), PAGE);
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const file = path in Object.fromEntries(Object.keys(BUNDLES).map((b) => [`/${b}`, 1])) ? BUNDLES[path.slice(1) as keyof typeof BUNDLES] : join(dir, path);
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.html') ? 'text/html' : 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('loads with tf.loadLayersModel over http and predicts every head as the model does', async () => {
    const model = new MultiHeadModel({ backbone: 'cnn', auxHeads: 2, classes: 4, inputShape: [6, 5, 3], seed: 5 });
    try {
      await exportModel(model, join(dir, 'model'), { run: 'r', agent: 'a0', round: 0 });
      const x = tf.reshape(tf.linspace(0, 1, 6 * 5 * 3 * 2), [2, 6, 5, 3]);
      const own = tf.tidy(() => model.forward(x).logits.map((l) => Array.from(tf.softmax(l).dataSync())));
      x.dispose();
      // Asynchronously: this process's server answers the page's fetches meanwhile. A profile of its own,
      // so that it never joins another test's Chromium. The time budget lets the page's promises run to
      // the end before the DOM is dumped.
      const page = await promisify(execFile)(CHROMIUM!, ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${join(dir, 'profile')}`, '--virtual-time-budget=30000', '--dump-dom', `http://127.0.0.1:${port}/page.html`], { encoding: 'utf8', timeout: 60_000 });
      const text = /<pre id="out">([^<]*)<\/pre>/.exec(page.stdout)?.[1] ?? `no output: ${page.stderr.slice(-300)}`;
      expect(text).toMatch(/^RESULT /);
      const got = JSON.parse(text.slice('RESULT '.length).replaceAll('&quot;', '"')) as { names: string[]; outputs: number[][] };
      expect(got.names).toEqual(['head_main', 'head_aux1', 'head_aux2']);
      const worst = Math.max(...got.outputs.flatMap((o, h) => o.map((v, i) => Math.abs(v - own[h][i]))));
      expect(worst).toBeLessThan(1e-5);
    } finally {
      model.dispose();
    }
  }, 90_000);
});
