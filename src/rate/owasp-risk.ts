import type { OwaspRiskFactors } from '../model';

/**
 * OWASP Risk Rating Methodology (https://owasp.org/www-community/OWASP_Risk_Rating_Methodology): likelihood and
 * impact are the averages of their factors (each 0–9); each is LOW below 3, MEDIUM from 3 to below 6, HIGH from 6; the
 * overall severity is read from the methodology's matrix. Business impact, when all four of its factors are given, is
 * used instead of the technical impact ("if good business information is available, use it"). Pure.
 */

export const LIKELIHOOD_FACTORS = [
  'skillLevel',
  'motive',
  'opportunity',
  'size',
  'easeOfDiscovery',
  'easeOfExploit',
  'awareness',
  'intrusionDetection',
] as const;
export const TECHNICAL_IMPACT_FACTORS = ['lossOfConfidentiality', 'lossOfIntegrity', 'lossOfAvailability', 'lossOfAccountability'] as const;
export const BUSINESS_IMPACT_FACTORS = ['financialDamage', 'reputationDamage', 'nonCompliance', 'privacyViolation'] as const;

export type OwaspLevel = 'LOW' | 'MEDIUM' | 'HIGH';
export type OwaspSeverity = 'NOTE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** The methodology's "Overall Risk Severity" matrix: impact → likelihood → severity. */
export const OWASP_MATRIX: Record<OwaspLevel, Record<OwaspLevel, OwaspSeverity>> = {
  HIGH: { LOW: 'MEDIUM', MEDIUM: 'HIGH', HIGH: 'CRITICAL' },
  MEDIUM: { LOW: 'LOW', MEDIUM: 'MEDIUM', HIGH: 'HIGH' },
  LOW: { LOW: 'NOTE', MEDIUM: 'LOW', HIGH: 'MEDIUM' },
};

export interface OwaspRiskResult {
  likelihood: number;
  likelihoodLevel: OwaspLevel;
  impact: number;
  impactLevel: OwaspLevel;
  /** Which impact was used. */
  impactFrom: 'business' | 'technical';
  severity: OwaspSeverity;
}

/** 0–<3 LOW, 3–<6 MEDIUM, 6–9 HIGH. */
export function owaspLevel(score: number): OwaspLevel {
  return score < 3 ? 'LOW' : score < 6 ? 'MEDIUM' : 'HIGH';
}

function factorProblem(name: string, v: unknown): string | undefined {
  if (v === undefined) return `${name} is missing`;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 9)
    return `${name} must be a whole number from 0 to 9, found ${JSON.stringify(v)}`;
  return undefined;
}

/** Problems with the factors (missing likelihood factors, values outside 0–9, an incomplete impact); empty when usable. */
export function owaspRiskProblems(f: OwaspRiskFactors): string[] {
  const out: string[] = [];
  for (const k of LIKELIHOOD_FACTORS) {
    const p = factorProblem(k, f[k]);
    if (p) out.push(p);
  }
  const business = BUSINESS_IMPACT_FACTORS.filter((k) => f[k] !== undefined);
  const group = business.length > 0 ? BUSINESS_IMPACT_FACTORS : TECHNICAL_IMPACT_FACTORS;
  for (const k of group) {
    const p = factorProblem(k, f[k]);
    if (p) out.push(business.length > 0 ? `${p} (business impact needs all four factors once one is given)` : p);
  }
  // Technical factors given alongside business ones are still checked for range (a typo must not pass silently).
  if (business.length > 0) {
    for (const k of TECHNICAL_IMPACT_FACTORS) {
      if (f[k] === undefined) continue;
      const p = factorProblem(k, f[k]);
      if (p) out.push(p);
    }
  }
  return out;
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The rating; throws when `owaspRiskProblems` is not empty (check first). */
export function owaspRisk(f: OwaspRiskFactors): OwaspRiskResult {
  const problems = owaspRiskProblems(f);
  if (problems.length) throw new Error(`OWASP risk factors: ${problems.join('; ')}`);
  const likelihood = avg(LIKELIHOOD_FACTORS.map((k) => f[k] as number));
  const useBusiness = BUSINESS_IMPACT_FACTORS.every((k) => f[k] !== undefined);
  const impact = avg((useBusiness ? BUSINESS_IMPACT_FACTORS : TECHNICAL_IMPACT_FACTORS).map((k) => f[k] as number));
  const likelihoodLevel = owaspLevel(likelihood);
  const impactLevel = owaspLevel(impact);
  return {
    likelihood,
    likelihoodLevel,
    impact,
    impactLevel,
    impactFrom: useBusiness ? 'business' : 'technical',
    severity: OWASP_MATRIX[impactLevel][likelihoodLevel],
  };
}
