// `npm run argocd-cm`: writes manifests/argocd/argocd-cm.yaml (see argocd-cm.ts).
import { writeFileSync } from 'node:fs';
import { ARGOCD_CM_PATH, renderArgoCdConfigMap } from './argocd-cm.js';

writeFileSync(ARGOCD_CM_PATH, renderArgoCdConfigMap());
console.log('wrote manifests/argocd/argocd-cm.yaml');
