import { load } from 'js-yaml';
import { readFileSync, readdirSync } from 'node:fs';
for (const f of readdirSync('crds').filter(f=>f.endsWith('.com.yaml'))) {
  const crd = load(readFileSync('crds/'+f,'utf8'));
  const schema = crd.spec.versions[0].schema.openAPIV3Schema;
  const out=[]; let total=0;
  const walk=(s,path)=>{
    if (!s || typeof s!=='object') return;
    for (const [k,v] of Object.entries(s.properties??{})) { total++; if(!v.description) out.push(path+'.'+k); walk(v,path+'.'+k); }
    if (s.items) walk(s.items, path+'[]');
    if (s.additionalProperties && typeof s.additionalProperties==='object') walk(s.additionalProperties, path+'{}');
    for (const key of ['anyOf','oneOf','allOf']) for (const x of s[key]??[]) walk(x,path);
  };
  walk(schema.properties.spec,'spec'); walk(schema.properties.status,'status');
  console.log(f, total, out.length);
  if (process.argv[2]===f.split('.')[0]) console.log(out.join('\n'));
}
