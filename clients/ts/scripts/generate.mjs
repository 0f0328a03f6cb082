// Generates the TypeScript client (src/generated) from the program's Anchor IDL with Codama
// and its JS renderer for @solana/kit:
//   node scripts/generate.mjs [idl.json] [out-dir]
// Defaults: ../../idl/gradual.json and src/generated. `npm run check` renders into a temporary
// folder and fails when the committed client differs (the CI staleness check).
//
// One adaptation before Codama reads the IDL: each instruction takes one borsh struct
// argument (`args: SubmitArgs`), and PDA seeds name its fields (`args.round`). Codama only
// derives PDAs from top-level arguments, so the struct is flattened into its fields, which
// encodes the same bytes (borsh writes a struct as its fields in order). The round number is
// called `roundNumber` everywhere (several instructions also take a `round` account), and any
// other field named like an account of its instruction gets an `Arg` suffix.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rootNodeFromAnchor } from '@codama/nodes-from-anchor';
import { renderVisitor } from '@codama/renderers-js';
import { createFromRoot, updateInstructionsVisitor } from 'codama';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '..');
const idlPath = resolve(process.argv[2] ?? resolve(pkg, '../../idl/gradual.json'));
const outDir = process.argv[3] ?? 'src/generated';

const RENAMED = { round: 'round_number' };

export function flattenArgs(idl) {
  const types = new Map(idl.types.map((t) => [t.name, t]));
  const flattened = new Set();
  for (const ix of idl.instructions) {
    if (ix.args.length !== 1 || ix.args[0].name !== 'args') continue;
    const def = types.get(ix.args[0].type?.defined?.name);
    if (!def || def.type.kind !== 'struct') continue;
    const accounts = new Set(ix.accounts.map((a) => a.name));
    const rename = (n) => RENAMED[n] ?? (accounts.has(n) ? `${n}_arg` : n);
    ix.args = def.type.fields.map((f) => ({ ...f, name: rename(f.name) }));
    flattened.add(def.name);
    for (const acc of ix.accounts) {
      for (const seed of acc.pda?.seeds ?? []) {
        if (seed.kind === 'arg' && seed.path.startsWith('args.')) {
          seed.path = rename(seed.path.slice('args.'.length));
        }
      }
    }
  }
  // The `*Args` structs are then unused: drop those nothing else refers to.
  const rest = JSON.stringify({ ...idl, types: idl.types.filter((t) => !flattened.has(t.name)) });
  idl.types = idl.types.filter(
    (t) => !flattened.has(t.name) || rest.includes(`"name":"${t.name}"`),
  );
  return idl;
}

export async function generate(idlFile, folder) {
  const idl = flattenArgs(JSON.parse(readFileSync(idlFile, 'utf8')));
  const codama = createFromRoot(rootNodeFromAnchor(idl));
  // The `vote` instruction would share its generated names (VOTE_DISCRIMINATOR, ...) with
  // the Vote account: it is `castVote` in TypeScript, like its Rust accounts struct.
  codama.update(updateInstructionsVisitor({ vote: { name: 'castVote' } }));
  // The renderer empties `folder` first: it must be the generated folder itself.
  await codama.accept(renderVisitor(folder, { deleteFolderBeforeRendering: true }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const folder = resolve(pkg, outDir);
  await generate(idlPath, folder);
  console.error(`[generate] ${idlPath} -> ${folder}`);
}
