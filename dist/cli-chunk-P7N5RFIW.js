import { createRequire as __dgCreateRequire } from 'node:module';
const require = __dgCreateRequire(import.meta.url);
var n={ok:0,fail:1,usage:2};function s(t,r,e){return t.stderr(`defect-gate: ${r}
Run 'defect-gate ${e?`${e} `:""}--help' for usage.
`),n.usage}var o="0.1.0";export{o as a,n as b,s as c};
