// npm run setup:native — builds the native TensorFlow backend (@tensorflow/tfjs-node) where its own
// install cannot download libtensorflow (air-gapped clusters, this project's machines). Optional: without
// it the project runs on wasm.
//
// libtensorflow and its C headers come from a tensorflow-cpu wheel (`pip download --no-deps`, from
// whatever index pip is configured to use): its libtensorflow_cc.so.2 exports every TF_* / TFE_* function
// the addon calls, so libtensorflow.so.2 is a symlink to it. tfjs-node itself is installed with
// `npm install --no-save --ignore-scripts` (package.json and the lock file stay as they are; its files are
// not edited) and its addon is built with node-gyp against the Node headers that the `node`
// devDependency ships, so it matches the Node 24 that runs every npm script.
// Step 7 builds src/model/stderr-guard (a 60-line addon that points fd 2 at a file while tfjs-node loads,
// src/model/native-load.ts), because libtensorflow 2.21 logs its absl preamble and oneDNN's notice from
// static initialisers, past TF_CPP_MIN_LOG_LEVEL.
// Idempotent: each step says what it does, and skips what is already in place. Errors are one line.
// Exit status: 0 when the native backend works; 2 when this machine cannot build it at all (no pip, no
// wheel from pip's index, no compiler or make), which CI reports and carries on from (it passes no
// arguments: a bad one also exits 2); 1 for any other failure, which CI treats as a failure.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STDERR_GUARD_PATH } from '../../src/model/native-load.ts';
import { parseCommand } from '../lib/args.ts';

parseCommand({ name: 'setup:native', about: 'Builds the native TensorFlow backend (@tensorflow/tfjs-node) here. Optional: without it the project runs on wasm.', options: {} });
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = join(ROOT, '.cache', 'native');
const TF_VERSION = process.env.MHD_TENSORFLOW_VERSION ?? '2.21.0';
const PKG = '@tensorflow/tfjs-node';
const PKG_DIR = join(ROOT, 'node_modules', '@tensorflow', 'tfjs-node');
const STEPS = 8;
let step = 0;

const rel = (p: string) => relative(ROOT, p) || '.';
function say(msg: string): void {
  console.log(`setup:native [${step}/${STEPS}] ${msg}`);
}
function begin(title: string): void {
  step++;
  say(title);
}
function fail(msg: string): never {
  console.error(`setup:native: error: ${msg}`);
  process.exit(1);
}
/** A prerequisite this machine lacks: not a broken build, so the exit status says so (see above). */
function unavailable(msg: string): never {
  console.error(`setup:native: unavailable here: ${msg}`);
  process.exit(2);
}
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}
const works = (cmd: string, args: string[]) => {
  const r = run(cmd, args);
  return r.error === undefined && r.status === 0;
};
/** The last meaningful line of a tool's output, for a one-line error. */
function lastLine(r: SpawnSyncReturns<string>): string {
  if (r.error) return r.error.message;
  const lines = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const errors = lines.filter((l) => /error/i.test(l));
  return (errors.at(-1) ?? lines.at(-1) ?? `exit status ${r.status}`).slice(0, 300);
}
function readJson(file: string): Record<string, any> {
  return JSON.parse(readFileSync(file, 'utf8'));
}

const wantedTfjsNode: string = readJson(join(ROOT, 'package.json')).optionalDependencies?.[PKG] ?? fail(`package.json has no optional dependency ${PKG}`);
const nodeVersion = process.versions.node;
if (Number(nodeVersion.split('.')[0]) < 22) fail(`running on Node ${nodeVersion}; run it as \`npm run setup:native\` so that the project's Node 24 runs it`);
console.log(`setup:native: ${PKG}@${wantedTfjsNode} for Node ${nodeVersion} (N-API ${process.versions.napi}) with libtensorflow from tensorflow-cpu ${TF_VERSION}; cache ${rel(CACHE)}`);

// 1. Node headers. `npm install` prunes node_modules/node/node_modules/node-<platform>-<arch> (the
// devDependency's platform package, which holds them), so they are copied out before step 4 runs it.
begin(`Node ${nodeVersion} headers`);
const headersDir = join(CACHE, `node-v${nodeVersion}`);
if (existsSync(join(headersDir, 'include', 'node', 'node_api.h'))) {
  say(`  already cached in ${rel(headersDir)}`);
} else {
  const platformPkg = join(ROOT, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`);
  const version = existsSync(join(platformPkg, 'package.json')) ? readJson(join(platformPkg, 'package.json')).version : undefined;
  if (version !== nodeVersion || !existsSync(join(platformPkg, 'include', 'node', 'node_api.h'))) {
    fail(`the Node ${nodeVersion} headers are not in ${rel(platformPkg)} (any \`npm install\` prunes them): run \`npm ci\`, then \`npm run setup:native\``);
  }
  mkdirSync(headersDir, { recursive: true });
  cpSync(join(platformPkg, 'include'), join(headersDir, 'include'), { recursive: true });
  say(`  copied from ${rel(platformPkg)} to ${rel(headersDir)}`);
}

// 2. The tensorflow-cpu wheel, through pip (python3 -m pip: the same Python extracts it in step 3).
begin(`tensorflow-cpu ${TF_VERSION} wheel`);
const wheelDir = join(CACHE, 'wheels');
const wheelPattern = new RegExp(`^tensorflow_cpu-${TF_VERSION.replaceAll('.', '\\.')}-.*\\.whl$`);
const findWheel = () => (existsSync(wheelDir) ? readdirSync(wheelDir).find((f) => wheelPattern.test(f)) : undefined);
const python = ['python3', 'python'].find((p) => works(p, ['-m', 'pip', '--version']));
let wheel = findWheel();
if (wheel !== undefined) {
  say(`  already downloaded: ${rel(join(wheelDir, wheel))}`);
} else {
  if (python === undefined) unavailable('pip is missing: the tensorflow-cpu wheel is fetched with `python3 -m pip download`; install Python 3 with pip (e.g. apt-get install python3-pip)');
  say(`  ${python} -m pip download --no-deps tensorflow-cpu==${TF_VERSION} (about 260 MiB, from pip's configured index)`);
  mkdirSync(wheelDir, { recursive: true });
  const r = run(python, ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '--progress-bar', 'off', '-d', wheelDir, `tensorflow-cpu==${TF_VERSION}`]);
  wheel = findWheel();
  if (r.status !== 0 || wheel === undefined) unavailable(`pip could not download the tensorflow-cpu ${TF_VERSION} wheel: ${lastLine(r)}`);
  say(`  saved ${rel(join(wheelDir, wheel))}`);
}

// 3. libtensorflow and the C headers out of the wheel.
begin('libtensorflow and C headers from the wheel');
const tfDir = join(CACHE, `tensorflow-${TF_VERSION}`);
const LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
if (existsSync(join(tfDir, '.complete'))) {
  say(`  already extracted in ${rel(tfDir)}`);
} else {
  if (python === undefined) fail('Python 3 is missing: it extracts the wheel (and node-gyp needs it too)');
  // Only what the addon compiles against: tensorflow/c and the tsl/xla headers it includes.
  const extract = `
import os, shutil, sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
libs = {'tensorflow/' + n: 'lib/' + n for n in ${JSON.stringify(LIBS)}}
keep = ('tensorflow/c/', 'tensorflow/core/platform/ctstring', 'tsl/', 'xla/tsl/c/')
found = set()
with zipfile.ZipFile(whl) as z:
    for info in z.infolist():
        name = info.filename
        if name.endswith('/'):
            continue
        if name in libs:
            dest = libs[name]
            found.add(name)
        elif name.startswith('tensorflow/include/') and name[len('tensorflow/include/'):].startswith(keep):
            dest = 'include/' + name[len('tensorflow/include/'):]
        else:
            continue
        target = out + '/' + dest
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, 'wb') as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
missing = sorted(set(libs) - found)
if missing:
    sys.exit('the wheel has no ' + ', '.join(missing))
`;
  const tmp = `${tfDir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const r = run(python, ['-c', extract, join(wheelDir, wheel), tmp]);
  if (r.status !== 0) fail(`could not extract ${wheel}: ${lastLine(r)}`);
  if (!existsSync(join(tmp, 'include', 'tensorflow', 'c', 'c_api.h'))) fail(`${wheel} has no tensorflow/include/tensorflow/c/c_api.h`);
  writeFileSync(join(tmp, '.complete'), `${wheel}\n`);
  rmSync(tfDir, { recursive: true, force: true });
  renameSync(tmp, tfDir);
  say(`  extracted ${LIBS.join(', ')} and include/ to ${rel(tfDir)}`);
}

// 4. The tfjs-node package itself, without its install script (which would try the download) and
// without saving anything to package.json or the lock file.
begin(`${PKG}@${wantedTfjsNode} package`);
const installed = () => {
  if (!existsSync(join(PKG_DIR, 'package.json')) || readJson(join(PKG_DIR, 'package.json')).version !== wantedTfjsNode) return false;
  const deps = Object.keys(readJson(join(PKG_DIR, 'package.json')).dependencies ?? {});
  const r = run(process.execPath, ['-e', `for (const d of ${JSON.stringify(deps)}) require.resolve(d + '/package.json')`], { cwd: PKG_DIR });
  return r.status === 0;
};
if (installed()) {
  say(`  already installed in ${rel(PKG_DIR)}`);
} else {
  if (!works('npm', ['--version'])) fail('npm is not on PATH');
  const guarded = ['package.json', 'package-lock.json'].map((f) => [f, existsSync(join(ROOT, f)) ? readFileSync(join(ROOT, f)) : undefined] as const);
  say(`  npm install --no-save --ignore-scripts ${PKG}@${wantedTfjsNode}`);
  const r = run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${PKG}@${wantedTfjsNode}`]);
  for (const [f, before] of guarded) {
    if (before !== undefined && !readFileSync(join(ROOT, f)).equals(before)) {
      writeFileSync(join(ROOT, f), before);
      fail(`npm install changed ${f} (restored it); the setup was stopped`);
    }
  }
  if (r.status !== 0 || !installed()) fail(`npm could not install ${PKG}@${wantedTfjsNode}: ${lastLine(r)}`);
  if (!works(process.execPath, ['--version']) || !works(join(ROOT, 'node_modules', '.bin', 'node'), ['--version'])) {
    fail('node_modules/.bin/node no longer runs after npm install: run `npm ci`');
  }
  say(`  installed (package.json and package-lock.json unchanged)`);
}

// 5. libtensorflow where the addon's binding.gyp looks (deps/lib, deps/include), as tfjs-node's own
// install would lay it out. Hard links to the cache where the file system allows, else copies.
begin(`libtensorflow into ${rel(join(PKG_DIR, 'deps'))}`);
const depsLib = join(PKG_DIR, 'deps', 'lib');
const depsInclude = join(PKG_DIR, 'deps', 'include');
const SYMLINKS: [string, string][] = [
  ['libtensorflow.so.2', 'libtensorflow_cc.so.2'],
  ['libtensorflow.so', 'libtensorflow.so.2'],
  ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
];
const isLink = (p: string, to: string) => {
  try {
    return lstatSync(p).isSymbolicLink() && readlinkSync(p) === to;
  } catch {
    return false;
  }
};
const staged = () =>
  LIBS.every((l) => existsSync(join(depsLib, l)) && statSync(join(depsLib, l)).size === statSync(join(tfDir, 'lib', l)).size) &&
  SYMLINKS.every(([name, to]) => isLink(join(depsLib, name), to)) &&
  existsSync(join(depsInclude, 'tensorflow', 'c', 'eager', 'c_api.h'));
if (staged()) {
  say('  already in place');
} else {
  rmSync(join(PKG_DIR, 'deps'), { recursive: true, force: true });
  mkdirSync(depsLib, { recursive: true });
  let how = 'hard-linked';
  for (const l of LIBS) {
    try {
      linkSync(join(tfDir, 'lib', l), join(depsLib, l));
    } catch {
      copyFileSync(join(tfDir, 'lib', l), join(depsLib, l));
      how = 'copied';
    }
  }
  for (const [name, to] of SYMLINKS) symlinkSync(to, join(depsLib, name));
  cpSync(join(tfDir, 'include'), depsInclude, { recursive: true });
  say(`  ${how} ${LIBS.join(', ')}; libtensorflow.so.2 -> libtensorflow_cc.so.2; headers in deps/include`);
}

// 6. The addon, built with node-gyp against the pinned Node's headers (npm's own `nodedir` setting,
// if any, would target another Node's ABI, so it is dropped from node-gyp's environment).
const pkgJson = readJson(join(PKG_DIR, 'package.json'));
const napi = Math.max(...(pkgJson.binary.napi_versions as number[]).filter((v) => v <= Number(process.versions.napi)));
const modulePath = join(PKG_DIR, String(pkgJson.binary.module_path).replace('{napi_build_version}', String(napi)));
const addon = join(modulePath, `${pkgJson.binary.module_name}.node`);
const CHECK = `import { selectBackend, tf } from './src/model/backend.ts';
const b = await selectBackend('native');
console.log(b.name, tf.tidy(() => tf.addN([tf.tensor([1, 2, 3]), tf.ones([3])]).square().sum().dataSync()[0]));`;
const check = () => run(process.execPath, ['--input-type=module', '-e', CHECK]);
const computes = (r: SpawnSyncReturns<string>) => r.status === 0 && r.stdout.trim() === 'native 29';
/** node-gyp in `dir` against the pinned Node's headers; one line and exit 1 (or 2: no toolchain) if it fails. */
function nodeGypRebuild(dir: string, extra: string[], what: string, log: string): void {
  const usable = (p: string | undefined): p is string => p !== undefined && p !== '' && existsSync(p);
  const nodeGyp = [process.env.npm_config_node_gyp, join(ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].find(usable) ?? npmBundledNodeGyp().find(usable);
  if (nodeGyp === undefined) fail('node-gyp not found (it ships with npm): run this as `npm run setup:native`');
  const cxx = process.env.CXX ?? 'c++';
  if (!works(cxx, ['--version'])) unavailable(`no C++ compiler (${cxx}) found: install one (e.g. apt-get install build-essential)`);
  if (!works('make', ['--version'])) unavailable('make is missing: install it (e.g. apt-get install build-essential)');
  if (python === undefined && !works('python3', ['--version'])) unavailable('Python 3 is missing (node-gyp needs it)');
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.toLowerCase() === 'npm_config_nodedir') delete env[k];
  const r = run(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${headersDir}`, ...extra, '-j', 'max'], { cwd: dir, env });
  writeFileSync(log, `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  if (r.status !== 0) fail(`node-gyp could not build ${what} (${lastLine(r)}); full log in ${rel(log)}`);
}
begin(`addon ${rel(addon)}`);
if (existsSync(addon) && computes(check())) {
  say('  already built and loads');
} else {
  say(`  node-gyp rebuild --nodedir=${rel(headersDir)} (N-API ${napi}; about 20 s)`);
  const log = join(CACHE, 'build.log');
  nodeGypRebuild(PKG_DIR, [`--module_name=${pkgJson.binary.module_name}`, `--module_path=${modulePath}`, `--napi_build_version=${napi}`], 'the addon', log);
  if (!existsSync(addon)) fail(`node-gyp built no ${rel(addon)}; full log in ${rel(log)}`);
  say(`  built (log: ${rel(log)})`);
}

// 7. The stderr guard (see the header), built from src/model/stderr-guard in the cache, where
// src/model/native-load.ts looks for it.
const guardSrc = join(ROOT, 'src', 'model', 'stderr-guard');
const guardDir = dirname(dirname(dirname(STDERR_GUARD_PATH)));
begin(`stderr guard ${rel(STDERR_GUARD_PATH)}`);
const guardSources = ['binding.gyp', 'stderr_guard.c'];
const sameSources = () => guardSources.every((f) => existsSync(join(guardDir, f)) && readFileSync(join(guardDir, f)).equals(readFileSync(join(guardSrc, f))));
if (existsSync(STDERR_GUARD_PATH) && sameSources()) {
  say('  already built');
} else {
  rmSync(guardDir, { recursive: true, force: true });
  mkdirSync(guardDir, { recursive: true });
  for (const f of guardSources) copyFileSync(join(guardSrc, f), join(guardDir, f));
  say(`  node-gyp rebuild in ${rel(guardDir)}`);
  nodeGypRebuild(guardDir, [], 'the stderr guard', join(CACHE, 'stderr-guard.log'));
  if (!existsSync(STDERR_GUARD_PATH)) fail(`node-gyp built no ${rel(STDERR_GUARD_PATH)}`);
  say('  built');
}

// 8. Proof: the project's own backend selection loads tfjs-node and computes. Whether libtensorflow
// still printed anything is said, but it is not what decides: the backend works or it does not.
begin('check: the project selects the native backend and computes on it');
const r = check();
if (!computes(r)) fail(`the native backend does not work: ${lastLine(r)}`);
const noise = r.stderr.split('\n').filter((l) => l.trim() !== '');
say(noise.length === 0 ? '  ok: backend native (tfjs-node), nothing on stderr' : `  ok: backend native (tfjs-node); note: ${noise.length} line(s) on stderr at load, the first: ${noise[0].slice(0, 160)}`);
console.log('setup:native: done. Commands now pick the native backend first (force one with --backend native|wasm|cpu or MHD_BACKEND).');

function npmBundledNodeGyp(): string[] {
  // Where npm itself lives, when this is not run through `npm run` (which sets npm_config_node_gyp).
  const r = run('npm', ['prefix', '-g']);
  if (r.status !== 0) return [];
  const prefix = r.stdout.trim();
  return [join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
}
