import { describe, expect, it } from '@jest/globals';
import { cvssFromVector, environmentalScore, parseCvssVector, render, scoreVector, type ParsedVector } from '../../src/rate/cvss';

/**
 * src/rate/cvss.ts exactly: the edges of what a vector may look like (length, spacing, prefixes, pairs), the names of
 * missing metrics per version, the 4.0 nomenclature, requirements that replace nothing, and the shared results.
 * Written against the mutants StrykerJS left alive (MUTATE_SCOPE=rate npm run mutate).
 */

const V31 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N';
const V40 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
const V2 = 'AV:N/AC:L/Au:N/C:P/I:N/A:N';

function parsed(text: string): ParsedVector {
  const r = parseCvssVector(text);
  if (!r.ok) throw new Error(`${text}: ${r.problem}`);
  return r.vector;
}
const problem = (text: string) => {
  const r = parseCvssVector(text);
  return r.ok ? undefined : r.problem;
};

describe('what a vector may look like', () => {
  it('512 characters are read (surrounding spaces trimmed), 513 are refused', () => {
    const at512 = `  ${V31}${' '.repeat(510 - V31.length)}`;
    expect(at512).toHaveLength(512);
    expect(parsed(at512).metrics).toHaveLength(8);
    expect(problem(`${at512} `)).toBe('longer than 512 characters');
  });

  it('a 3.1 vector with surrounding spaces is the same vector', () => {
    expect(render(parsed(` ${V31}\n`))).toBe(V31);
  });

  it('the four versions by prefix, and v2 bare or in parentheses (a CVSS:2.0/ prefix too)', () => {
    expect(parsed('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N').version).toBe('3.0');
    expect(parsed(V31).version).toBe('3.1');
    expect(parsed(V40).version).toBe('4.0');
    expect(parsed(V2).version).toBe('2.0');
    expect(parsed(`(${V2})`).metrics).toEqual(parsed(V2).metrics);
    const prefixed = parsed(`CVSS:2.0/${V2}`);
    expect(prefixed.version).toBe('2.0');
    expect(render(prefixed)).toBe(V2);
    expect(cvssFromVector(`CVSS:2.0/${V2}`)).toMatchObject({ scores: { version: '2.0', score: 5.0, label: 'base score' } });
  });

  it('an opening parenthesis without its closing one is not a v2 vector', () => {
    expect(problem(`(${V2}`)).toBe('no "CVSS:<version>/" prefix, and not a CVSS v2 vector (AV:…/AC:…/Au:…)');
    expect(problem(`${V2})`)).toBe('"A:N)" is not a metric:value pair');
  });

  it('a bare vector is v2 only when it starts AV:…/AC:…/Au:', () => {
    expect(problem('AC:L/AV:N/Au:N/C:P/I:N/A:N')).toContain('no "CVSS:<version>/" prefix');
    expect(problem('x/AV:N/AC:L/Au:N/C:P/I:N/A:N')).toContain('no "CVSS:<version>/" prefix');
    expect(problem('AV:/AC:L/Au:N/C:P/I:N/A:N')).toContain('no "CVSS:<version>/" prefix');
  });

  it('each part is exactly letters:letters', () => {
    expect(problem('CVSS:3.1/AV:N1/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N')).toBe('"AV:N1" is not a metric:value pair');
    expect(problem('CVSS:3.1/1AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N')).toBe('"1AV:N" is not a metric:value pair');
    expect(problem('CVSS:3.1/AV::N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N')).toBe('"AV::N" is not a metric:value pair');
    expect(problem('CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N')).toBe('"AV:" is not a metric:value pair');
    expect(problem('CVSS:3.1/:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N')).toBe('":N" is not a metric:value pair');
  });

  it('an unknown version names the ones it knows', () => {
    expect(problem('CVSS:1.0/AV:N')).toBe('unknown CVSS version "1.0" (expected 2.0, 3.0, 3.1 or 4.0)');
  });

  it('a value that is not the metric’s lists the ones it has', () => {
    expect(problem('CVSS:3.1/AV:N/AC:Q/PR:N/UI:N/S:U/C:H/I:N/A:N')).toBe('"Q" is not a value of CVSS 3.1 metric AC (expected X, L, H)');
  });
});

describe('missing base metrics are named, per version', () => {
  it('2.0: one missing', () => {
    expect(problem('AV:N/AC:L/Au:N/C:P/I:N')).toBe('base metric A missing or not defined');
  });
  it('2.0: several missing, every one named, in order', () => {
    expect(problem('AV:N/AC:L/Au:N')).toBe('base metrics C, I, A missing or not defined');
  });
  it('3.x: several missing', () => {
    expect(problem('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H')).toBe('base metrics S, I, A missing or not defined');
    expect(problem('CVSS:3.0/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N')).toBe('base metric AV missing or not defined');
  });
  it('4.0: several missing', () => {
    expect(problem('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H')).toBe('base metrics SC, SI, SA missing or not defined');
    expect(problem('CVSS:4.0/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toBe('base metric AV missing or not defined');
  });
});

describe('4.0 nomenclature: what the score is named after', () => {
  const label = (text: string) => {
    const r = cvssFromVector(text);
    if ('problem' in r) throw new Error(r.problem);
    return r.scores.label;
  };

  it('E:X and requirements or modified metrics set to X are not given', () => {
    expect(label(`${V40}/E:X`)).toBe('CVSS-B score');
    expect(label(`${V40}/CR:X/MAV:X`)).toBe('CVSS-B score');
  });

  it('each requirement and a modified metric make it -BE; with a threat -BTE', () => {
    expect(label(`${V40}/CR:H`)).toBe('CVSS-BE score');
    expect(label(`${V40}/IR:H`)).toBe('CVSS-BE score');
    expect(label(`${V40}/AR:H`)).toBe('CVSS-BE score');
    expect(label(`${V40}/MAV:L`)).toBe('CVSS-BE score');
    expect(label(`${V40}/E:P/CR:H`)).toBe('CVSS-BTE score');
    expect(label(`${V40}/E:P`)).toBe('CVSS-BT score');
  });

  it('supplemental metrics do not count (S:P is not an environmental metric)', () => {
    expect(label(`${V40}/S:P/AU:Y`)).toBe('CVSS-B score');
  });

  it('3.x scores its base: temporal and environmental metrics in the vector are not applied', () => {
    const r = cvssFromVector(`${V31}/E:U/CR:H`);
    expect('scores' in r && r.scores).toEqual({ version: '3.1', vector: `${V31}/E:U/CR:H`, score: 7.5, label: 'base score' });
  });
});

describe('environmental scores', () => {
  it('a requirement equal to the one the vector had is not listed as replaced; a different one is', () => {
    const v = parsed(`${V31}/CR:H/IR:M/AR:L`);
    const e = environmentalScore(v, { CR: 'H', IR: 'M', AR: 'H' });
    expect(e.replaced).toEqual(['AR:L']);
    expect(e.vector).toBe(`${V31}/CR:H/IR:M/AR:H`);
  });

  it('other environmental metrics stay as written', () => {
    const v = parsed(`${V31}/MAV:L`);
    expect(environmentalScore(v, { CR: 'M', IR: 'M', AR: 'M' }).vector).toBe(`${V31}/MAV:L/CR:M/IR:M/AR:M`);
  });
});

describe('results are shared by vector text (read-only)', () => {
  it('the same text gives the same check, the same scores and the same environmental score', () => {
    expect(parseCvssVector(V31)).toBe(parseCvssVector(V31));
    expect(parseCvssVector('garbage!')).toBe(parseCvssVector('garbage!'));
    const v = parsed(V40);
    expect(scoreVector(v)).toBe(scoreVector(v));
    expect(scoreVector(v)).toBe(scoreVector(parsed(V40)));
    const req = { CR: 'H', IR: 'L', AR: 'M' } as const;
    expect(environmentalScore(v, req)).toBe(environmentalScore(v, { ...req }));
    expect(environmentalScore(v, req)).not.toBe(environmentalScore(v, { ...req, AR: 'H' }));
  });
});

describe('the version prefix, exactly', () => {
  it('anchored at both ends; a two-digit version is named as unknown; a v2 vector needs AV, AC and Au values', () => {
    expect(problem(`x${V31}`)).toBe('no "CVSS:<version>/" prefix, and not a CVSS v2 vector (AV:…/AC:…/Au:…)');
    expect(problem(`${V31}\nAV:L`)).toBe('no "CVSS:<version>/" prefix, and not a CVSS v2 vector (AV:…/AC:…/Au:…)');
    expect(problem('CVSS:10.0/AV:N')).toBe('unknown CVSS version "10.0" (expected 2.0, 3.0, 3.1 or 4.0)');
    expect(problem('CVSS:3.10/AV:N')).toBe('unknown CVSS version "3.10" (expected 2.0, 3.0, 3.1 or 4.0)');
    expect(parsed(V31).metrics).toHaveLength(8);
    expect(parsed(V2).version).toBe('2.0');
    // A v2 vector with a value of two characters is read as v2 and refused for its value, not for its prefix.
    expect(problem('AV:NA/AC:L/Au:N/C:P/I:N/A:N')).not.toMatch(/prefix/);
    expect(problem('AV:N/AC:LO/Au:N/C:P/I:N/A:N')).not.toMatch(/prefix/);
    expect(problem('AV:NA/AC:L/Au:N/C:P/I:N/A:N')).toBeDefined();
    expect(problem('AV:/AC:L/Au:N/C:P/I:N/A:N')).toBe('no "CVSS:<version>/" prefix, and not a CVSS v2 vector (AV:…/AC:…/Au:…)');
    expect(problem('AV:N/AC:/Au:N/C:P/I:N/A:N')).toBe('no "CVSS:<version>/" prefix, and not a CVSS v2 vector (AV:…/AC:…/Au:…)');
  });
});
