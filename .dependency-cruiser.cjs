// Layering rules of src/ (docs/DESIGN.md, "Layers"). Folders are floors; an import may only point to
// the same floor or a lower one:
//   text -> data, model -> topology -> learning -> network -> node -> report -> cluster -> cli.ts
// Run with `npm run lint:deps`.
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

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/cli\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
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
