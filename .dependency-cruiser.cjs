// Layering rules of src/ (docs/DESIGN.md, "Layers") and scripts/. Folders are floors; an import may only
// point to the same floor or a lower one:
//   text -> data, model -> topology -> learning -> network -> node -> report -> cluster -> cli.ts
// scripts/ may import any floor of src/; src/ never imports scripts/. Within scripts/, each job is a
// folder that imports only its own files and the folders below it (scriptFolders), and no file imports
// an entry point (a file package.json runs). No circle in either tree.
// Run with `npm run lint:deps`.
const { scripts } = require('./package.json');
const floors = [
  ['text'],
  ['data', 'model'],
  ['topology'],
  ['learning'],
  ['network'],
  ['node'],
  ['report'],
  ['cluster'],
];

const below = (i) => floors.slice(0, i).flat();

const layerRules = floors.flatMap((folders, i) =>
  folders.map((folder) => ({
    name: `${folder}-imports-only-down`,
    comment: `src/${folder} may import only from ${[folder, ...below(i)].join(', ')}`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: '^src/', pathNot: `^src/(${[folder, ...below(i)].join('|')})/` },
  })),
);

// scripts/: each folder and what else in scripts/ it may import. `experiments` is the folder's own
// files (the runner and the diagnostic); below them its suites, below those the tables and rules.
const scriptFolders = {
  lib: [],
  bench: ['lib'],
  setup: ['lib'],
  test: ['lib'],
  'experiments/report': ['lib'],
  'experiments/suites': ['lib', 'experiments/report'],
  experiments: ['lib', 'experiments/report', 'experiments/suites'],
};
// A folder's own files: directly in it (`experiments`) or below it when no deeper floor is named.
const inFolder = (folder) => (Object.keys(scriptFolders).some((f) => f.startsWith(`${folder}/`)) ? `scripts/${folder}/[^/]+$` : `scripts/${folder}/`);
const scriptRules = Object.entries(scriptFolders).map(([folder, may]) => ({
  name: `scripts-${folder.replace('/', '-')}-imports-only-down`,
  comment: `scripts/${folder} may import from scripts/ only ${[folder, ...may].join(', ')}`,
  severity: 'error',
  from: { path: `^${inFolder(folder)}` },
  to: { path: '^scripts/', pathNot: `^(${[folder, ...may].map(inFolder).join('|')})` },
}));
const entryPoints = [...new Set(Object.values(scripts).flatMap((cmd) => [...cmd.matchAll(/\bnode (scripts\/\S+\.ts)/g)].map((m) => m[1])))];

module.exports = {
  forbidden: [
    ...layerRules,
    ...scriptRules,
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { path: '^(src|scripts)/' },
      to: { path: '^src/cli\\.ts$' },
    },
    {
      name: 'src-never-imports-scripts',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^scripts/' },
    },
    {
      name: 'scripts-live-in-a-job-folder',
      comment: `a script is in one of scripts/${Object.keys(scriptFolders).join(', scripts/')}`,
      severity: 'error',
      from: { path: '^scripts/', pathNot: `^(${Object.keys(scriptFolders).map(inFolder).join('|')})` },
      to: {},
    },
    {
      name: 'nothing-imports-an-entry-point',
      comment: `entry points (package.json scripts): ${entryPoints.join(', ')}`,
      severity: 'error',
      from: {},
      to: { path: `^(${entryPoints.map((p) => p.replace(/[.]/g, '\\.')).join('|')})$` },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(src|scripts)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type from a higher floor is a dependency on it all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
