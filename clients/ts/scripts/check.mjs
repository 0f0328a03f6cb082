// Fails when src/generated is not what scripts/generate.mjs makes from ../../idl/gradual.json
// (run `npm run generate` and commit). The committed IDL itself is checked against the
// program source by the Rust suite (tests/tests/idl.rs).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const committed = join(pkg, 'src/generated');
const fresh = join(mkdtempSync(join(tmpdir(), 'gradual-ts-')), 'generated');

function files(root) {
  const out = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(root, path), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return out;
}

try {
  await generate(join(pkg, '../../idl/gradual.json'), fresh);
  const want = files(fresh);
  const have = files(committed);
  const stale = [...new Set([...want.keys(), ...have.keys()])]
    .filter((f) => want.get(f) !== have.get(f))
    .sort();
  if (stale.length > 0) {
    console.error(`clients/ts/src/generated is stale (${stale.length} files differ: ${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', ...' : ''}): run \`npm run generate\` in clients/ts and commit it`);
    process.exit(1);
  }
  console.log(`clients/ts/src/generated is up to date (${want.size} files)`);
} finally {
  rmSync(dirname(fresh), { recursive: true, force: true });
}
