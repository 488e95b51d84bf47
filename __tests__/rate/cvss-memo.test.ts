import { expect, it } from '@jest/globals';
import { parseCvssVector } from '../../src/rate/cvss';

/**
 * The shared results of src/rate/cvss.ts are bounded: 10,000 distinct texts are kept, the next ones are checked anew
 * each time (a file of unusual vectors cannot grow memory without end). A file of its own: it counts from an empty
 * memo (jest gives each test file its own modules). The texts are invalid vectors, cheap to check.
 */
it('keeps the first 10,000 distinct texts and no more', () => {
  for (let i = 0; i < 10_001; i++) parseCvssVector(`not a vector ${i}`);
  expect(parseCvssVector('not a vector 0')).toBe(parseCvssVector('not a vector 0'));
  expect(parseCvssVector('not a vector 9999')).toBe(parseCvssVector('not a vector 9999'));
  const late = parseCvssVector('not a vector 10000');
  expect(late).toEqual(parseCvssVector('not a vector 10000'));
  expect(late).not.toBe(parseCvssVector('not a vector 10000'));
});
