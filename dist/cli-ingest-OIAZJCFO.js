import { createRequire as __dgCreateRequire } from 'node:module';
const require = __dgCreateRequire(import.meta.url);
import{d as a,e as b,i as c,j as d,k as e}from"./cli-chunk-W5AHNBFD.js";import"./cli-chunk-YSUVWDZ6.js";import"./cli-chunk-O2AS7I5C.js";export{a as MAX_DOCUMENT_DEPTH,e as combine,c as formatIds,d as ingestText,b as pruneDeep};
