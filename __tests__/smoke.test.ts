import { describe, expect, it } from '@jest/globals';
import { orderVulnIds } from '../src/ingest/ecosystem';
describe('smoke', () => {
  it('orders ids', () => {
    expect(orderVulnIds(['GHSA-abcd-efgh-ijkm', 'cve-2021-1234'])).toEqual(['CVE-2021-1234', 'GHSA-abcd-efgh-ijkm']);
  });
});
