import { createRequire as __dgCreateRequire } from 'node:module';
const require = __dgCreateRequire(import.meta.url);
import{d as a,e as b,o as c,p as d,q as e}from"./cli-chunk-GZGIYHIS.js";import"./cli-chunk-E2EPOVZJ.js";import"./cli-chunk-O2AS7I5C.js";export{a as MAX_DOCUMENT_DEPTH,e as combine,c as formatIds,d as ingestText,b as pruneDeep};
