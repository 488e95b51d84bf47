import { createRequire as __dgCreateRequire } from 'node:module';
const require = __dgCreateRequire(import.meta.url);
import{d as a,e as b,o as c,p as d,q as e}from"./cli-chunk-NEFKHXOL.js";import"./cli-chunk-SY7KYJEY.js";import"./cli-chunk-5MAVVA4A.js";export{a as MAX_DOCUMENT_DEPTH,e as combine,c as formatIds,d as ingestText,b as pruneDeep};
