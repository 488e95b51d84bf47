import { describe, expect, it } from '@jest/globals';
import { cvssFromVector, environmentalScore, parseCvssVector, scoreVector } from '../../src/rate/cvss';

/**
 * Scores checked against FIRST's published examples. Each vector and score is the one in FIRST's examples document
 * (anchors name the example); the calculator is `ae-cvss-calculator`, the check is that it agrees with FIRST.
 */

// https://www.first.org/cvss/v3.1/examples (CVSS v3.1 Examples, document revision 2).
const V31: [string, string, number][] = [
  ['CVE-2013-0375 MySQL Stored SQL Injection', 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4],
  ['CVE-2014-3566 SSLv3 POODLE', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1],
  ['CVE-2009-0783 Apache Tomcat XML Parser', 'CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L', 4.2],
  ['CVE-2012-0384 Cisco IOS Arbitrary Command Execution', 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', 7.2],
  ['CVE-2015-1098 Apple iWork Denial of Service', 'CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 7.8],
  ['CVE-2014-0160 OpenSSL Heartbleed', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5],
  ['CVE-2014-6271 GNU Bash Shellshock', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
  ['CVE-2008-1447 DNS Kaminsky Bug', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N', 6.8],
  ['CVE-2014-2005 Sophos Login Screen Bypass', 'CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 6.8],
  ['CVE-2010-0467 Joomla Directory Traversal', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N', 5.8],
  ['CVE-2012-1342 Cisco Access Control Bypass', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N', 5.8],
  ['CVE-2013-6014 Juniper Proxy ARP Denial of Service', 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H', 9.3],
  ['CVE-2011-1265 Microsoft Windows Bluetooth RCE', 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 8.8],
  ['CVE-2014-2019 Apple iOS Security Control Bypass', 'CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N', 4.6],
  ['CVE-2015-0970 SearchBlox CSRF', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 8.8],
  ['CVE-2014-0224 SSL/TLS MITM', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N', 7.4],
  ['CVE-2012-5376 Google Chrome Sandbox Bypass', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', 9.6],
  ['CVE-2016-2118 Badlock (SAMR/LSAD)', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H', 7.5],
  ['CVE-2019-7551 Cantemo Portal Stored XSS', 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H', 9.0],
  ['CVE-2017-5942 WordPress Mail Plugin Reflected XSS', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
  ['CVE-2016-5558 Oracle Outside In RCE', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:L', 8.6],
  ['CVE-2016-5729 Lenovo ThinkPwn', 'CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H', 8.2],
  ['CVE-2018-3652 Intel DCI Issue', 'CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 7.6],
  ['CVE-2019-0884 Scripting Engine Memory Corruption', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N', 4.2],
];

// https://www.first.org/cvss/v3.0/examples (CVSS v3.0 Examples).
const V30: [string, string, number][] = [
  ['CVE-2013-1937 phpMyAdmin Reflected XSS', 'CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
  ['CVE-2014-9253 DokuWiki Reflected XSS', 'CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N', 5.4],
  ['CVE-2012-0384 Cisco IOS (3.0 scoring, PR:L)', 'CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 8.8],
];

// https://www.first.org/cvss/v4.0/examples (CVSS v4.0 Examples).
const V40: [string, number][] = [
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3],
  ['CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.3],
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.7],
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U', 5.2],
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N', 8.3],
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/CR:H/IR:L/AR:L/MAV:N/MAC:H/MVC:H/MVI:L/MVA:L', 8.1],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N', 4.6],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N', 5.1],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N', 6.9],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N', 5.9],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 9.4],
  ['CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:N/S:P/V:D', 8.3],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:A', 8.7],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A', 10],
  ['CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:H/SI:N/SA:H', 6.4],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/R:I', 9.3],
  ['CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 8.6],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N', 7.1],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:L/E:U', 6.6],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/E:U', 5.6],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:P/AU:Y/V:C/RE:L', 9.4],
  [
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:P/CR:L/IR:H/AR:L/MAV:L/MAC:H/MAT:N/MPR:N/MUI:N/MVC:N/MVI:H/MVA:L/MSC:N/MSI:S/MSA:L',
    7.0,
  ],
  ['CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/MSI:S/S:P', 9.7],
];

function score(v: string): number {
  const r = cvssFromVector(v);
  if ('problem' in r) throw new Error(`${v}: ${r.problem}`);
  return r.scores.score;
}

describe('CVSS scores agree with FIRST', () => {
  it.each(V31)('3.1 %s', (_name, vector, expected) => expect(score(vector)).toBe(expected));
  it.each(V30)('3.0 %s', (_name, vector, expected) => expect(score(vector)).toBe(expected));
  it.each(V40)('4.0 %s', (vector, expected) => expect(score(vector)).toBe(expected));

  it('has at least 8 published examples per version', () => {
    expect(V31.length).toBeGreaterThanOrEqual(8);
    expect(V40.length).toBeGreaterThanOrEqual(8);
  });

  // CVSS v2 Complete Guide (https://www.first.org/cvss/v2/guide), section 3.3 examples, and NVD v2 scores.
  it.each([
    ['AV:N/AC:L/Au:N/C:N/I:N/A:C', 7.8], // CVE-2002-0392 Apache chunked encoding (guide 3.3.1)
    ['AV:N/AC:L/Au:N/C:C/I:C/A:C', 10.0], // CVE-2003-0818 Microsoft ASN.1 (guide 3.3.2)
    ['AV:L/AC:H/Au:N/C:C/I:C/A:C', 6.2], // CVE-2003-0062 NOD32 buffer overflow (guide 3.3.3)
    ['(AV:N/AC:L/Au:N/C:P/I:N/A:N)', 5.0], // CVE-2014-0160 Heartbleed as NVD wrote it (v2)
  ])('2.0 %s', (vector, expected) => expect(score(vector)).toBe(expected));

  it('names the 4.0 score by what the vector holds', () => {
    const b = cvssFromVector('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N');
    const bt = cvssFromVector('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:A');
    expect('scores' in b && b.scores.label).toBe('CVSS-B score');
    expect('scores' in bt && bt.scores.label).toBe('CVSS-BT score');
  });
});

describe('environmental score from security requirements', () => {
  const heartbleed = parseCvssVector('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N');
  if (!heartbleed.ok) throw new Error('fixture vector');

  // By the 3.1 formula: MISS = min(1 - (1 - 0.56 × CR), 0.915); exploitability 8.22 × 0.85 × 0.77 × 0.85 × 0.85 = 3.887.
  // CR:H (1.5): 6.42 × 0.84 + 3.887 = 9.28 → 9.3; CR:L (0.5): 6.42 × 0.28 + 3.887 = 5.68 → 5.7; CR:M (1): the base 7.5.
  it('3.1: Heartbleed is 9.3 with high requirements, 5.7 with low ones, its base 7.5 with medium', () => {
    expect(environmentalScore(heartbleed.vector, { CR: 'H', IR: 'H', AR: 'H' })).toEqual({
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/CR:H/IR:H/AR:H',
      score: 9.3,
      replaced: [],
    });
    expect(environmentalScore(heartbleed.vector, { CR: 'L', IR: 'L', AR: 'L' }).score).toBe(5.7);
    expect(environmentalScore(heartbleed.vector, { CR: 'M', IR: 'M', AR: 'M' }).score).toBe(7.5);
  });

  it('replaces requirements the vector had, and says which', () => {
    const v = parseCvssVector('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/CR:L');
    if (!v.ok) throw new Error(v.problem);
    const e = environmentalScore(v.vector, { CR: 'H', IR: 'M', AR: 'M' });
    expect(e.replaced).toEqual(['CR:L']);
    expect(e.vector).toBe('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/CR:H/IR:M/AR:M');
    expect(e.score).toBe(9.3);
  });

  it('4.0: requirements change the score (CVSS-BE)', () => {
    const v = parseCvssVector('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N');
    if (!v.ok) throw new Error(v.problem);
    expect(environmentalScore(v.vector, { CR: 'L', IR: 'L', AR: 'L' }).score).toBe(8.9);
    expect(environmentalScore(v.vector, { CR: 'H', IR: 'H', AR: 'H' }).score).toBe(9.3);
  });

  it('2.0: requirements apply too', () => {
    const v = parseCvssVector('AV:N/AC:L/Au:N/C:P/I:P/A:P');
    if (!v.ok) throw new Error(v.problem);
    expect(scoreVector(v.vector).score).toBe(7.5);
    expect(environmentalScore(v.vector, { CR: 'H', IR: 'H', AR: 'H' }).score).toBe(8.8);
  });
});

describe('invalid vectors are errors, never a lower score', () => {
  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', 'base metric A missing or not defined'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:X', 'base metric A missing or not defined'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N', 'base metric SA missing or not defined'],
    ['CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'metric AV is given twice'],
    ['CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '"Q" is not a value of CVSS 3.1 metric AV'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/FOO:B', 'unknown CVSS 3.1 metric "FOO"'],
    ['CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'unknown CVSS version "3.2"'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/', '"" is not a metric:value pair'],
    ['AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'no "CVSS:<version>/" prefix'],
    ['garbage', 'no "CVSS:<version>/" prefix'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/Attack Vector:N', 'is not a metric:value pair'],
  ])('%s', (vector, problem) => {
    const r = parseCvssVector(vector);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toContain(problem);
  });

  it('does not take a long name for a short one (the calculator would)', () => {
    const r = parseCvssVector('CVSS:3.1/AV:Network/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
    expect(!r.ok && r.problem).toContain('"Network" is not a value of CVSS 3.1 metric AV');
  });

  it('bounds the text it reads', () => {
    const r = parseCvssVector(`CVSS:3.1/${'AV:N/'.repeat(200)}`);
    expect(!r.ok && r.problem).toBe('longer than 512 characters');
  });
});
