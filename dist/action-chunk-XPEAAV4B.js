import { createRequire as __dgCreateRequire } from 'node:module';
const require = __dgCreateRequire(import.meta.url);
import{a as s}from"./action-chunk-HKBPC65L.js";var r,c=t=>(r??=s("./lib-octokit.cjs"),t==="default"?r:r[t]),f=t=>new Proxy(function(){},{apply:(o,e,l)=>Reflect.apply(c(t),e,l),construct:(o,e,l)=>Reflect.construct(c(t),e,l),get:(o,e)=>Reflect.get(c(t),e),has:(o,e)=>Reflect.has(c(t),e)});var n=f("Octokit");export{n as a};
