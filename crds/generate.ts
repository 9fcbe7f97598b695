// `npm run crds`: writes crds/<plural>.delivery.latticedb.com.yaml and crds/kustomization.yaml
// from the TypeBox schemas in reconcilers/<kind>/api.ts.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles } from './render.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
for (const [name, content] of renderCrdFiles()) {
  writeFileSync(`${dir}${name}`, content);
  console.log(`wrote crds/${name}`);
}
