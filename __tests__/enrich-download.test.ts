import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { loadEnrichmentAsync } from '../src/io/enrichment';

/** KEV and EPSS given as URLs are downloaded (here from a server on 127.0.0.1 standing in for CISA and FIRST). */

const KEV = readFileSync('__fixtures__/enrich/known_exploited_vulnerabilities.json');
const EPSS_GZ = readFileSync('__fixtures__/enrich/epss_scores-2026-11-24.csv.gz');
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/kev.json') res.end(KEV);
    else if (req.url === '/epss.csv.gz') res.end(EPSS_GZ);
    else if (req.url !== '/slow') {
      // '/slow' never answers
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

describe('enrichment from URLs', () => {
  it('downloads the KEV catalog and a gzipped EPSS file', async () => {
    const r = await loadEnrichmentAsync({ kevFile: `${base}/kev.json`, epssFile: `${base}/epss.csv.gz` }, '/nonexistent');
    expect(r.errors).toEqual([]);
    expect(r.enrichment?.kev?.entries.has('CVE-2021-44228')).toBe(true);
    expect(r.enrichment?.epss?.entries.size).toBeGreaterThan(5);
  });

  it('an unreachable or failing URL is a fatal input error naming the URL (fail closed)', async () => {
    const r = await loadEnrichmentAsync({ kevFile: `${base}/missing.json`, epssFile: `${base}/slow` }, '/nonexistent', 500);
    expect(r.enrichment).toBeUndefined();
    expect(r.errors).toEqual([
      expect.objectContaining({
        file: `${base}/missing.json`,
        message: 'cannot download the CISA KEV catalog: HTTP 404',
        severity: 'fatal',
      }),
      expect.objectContaining({
        file: `${base}/slow`,
        message: 'cannot download the EPSS scores file: no answer within 1 s',
        severity: 'fatal',
      }),
    ]);
  });
});
