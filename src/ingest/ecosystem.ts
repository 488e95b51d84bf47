/**
 * Tool-independent identity for dependency findings: ecosystems in purl-type spelling and vulnerability ids with
 * aliases folded, so the same vulnerability reported by Trivy, Grype, Snyk … is one defect.
 */

const ECOSYSTEM_ALIASES: Record<string, string> = {
  npm: 'npm',
  node: 'npm',
  'node-pkg': 'npm',
  nodejs: 'npm',
  javascript: 'npm',
  yarn: 'npm',
  pnpm: 'npm',
  pip: 'pypi',
  pypi: 'pypi',
  python: 'pypi',
  'python-pkg': 'pypi',
  pipenv: 'pypi',
  poetry: 'pypi',
  uv: 'pypi',
  maven: 'maven',
  jar: 'maven',
  'java-archive': 'maven',
  java: 'maven',
  gradle: 'maven',
  pom: 'maven',
  sbt: 'maven',
  go: 'golang',
  golang: 'golang',
  gomod: 'golang',
  gobinary: 'golang',
  'go-module': 'golang',
  gem: 'gem',
  gemspec: 'gem',
  bundler: 'gem',
  rubygems: 'gem',
  ruby: 'gem',
  nuget: 'nuget',
  dotnet: 'nuget',
  'dotnet-core': 'nuget',
  'dotnet-deps': 'nuget',
  cargo: 'cargo',
  'crates.io': 'cargo',
  rust: 'cargo',
  'rust-crate': 'cargo',
  composer: 'composer',
  packagist: 'composer',
  php: 'composer',
  'php-composer': 'composer',
  deb: 'deb',
  debian: 'deb',
  ubuntu: 'deb',
  apk: 'apk',
  alpine: 'apk',
  wolfi: 'apk',
  chainguard: 'apk',
  rpm: 'rpm',
  redhat: 'rpm',
  centos: 'rpm',
  rocky: 'rpm',
  alma: 'rpm',
  amazon: 'rpm',
  oracle: 'rpm',
  fedora: 'rpm',
  suse: 'rpm',
  'cbl-mariner': 'rpm',
  pub: 'pub',
  hex: 'hex',
  swift: 'swift',
  cocoapods: 'cocoapods',
  conan: 'conan',
  hackage: 'hackage',
  cran: 'cran',
};

/** Normalizes an ecosystem / package type name to purl-type spelling; unknown names are lower-cased as they are. */
export function normalizeEcosystem(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const k = name.trim().toLowerCase();
  if (!k) return undefined;
  return ECOSYSTEM_ALIASES[k] ?? (k.includes(':') ? (ECOSYSTEM_ALIASES[k.split(':')[0] ?? ''] ?? k) : k);
}

/** The purl type (`pkg:npm/…` → `npm`), normalized. */
export function ecosystemFromPurl(purl: string | undefined): string | undefined {
  const m = purl ? /^pkg:([^/]+)\//i.exec(purl.trim()) : null;
  return m ? normalizeEcosystem(decodeURIComponent(m[1] ?? '')) : undefined;
}

const ID_RANK: [RegExp, number][] = [
  [/^CVE-\d{4}-\d{4,}$/i, 0],
  [/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/i, 1],
  [/^(PYSEC|RUSTSEC|GO|OSV|GSD|DSA|DLA|USN|ALAS|RHSA|ELSA|SNYK|NSWG|GMS)[-:]/i, 2],
];

function idRank(id: string): number {
  for (const [re, r] of ID_RANK) if (re.test(id)) return r;
  return 3;
}

/** Upper-cases well-known id schemes (CVE, GHSA) so `cve-2021-1` and `CVE-2021-1` are one id. */
export function normalizeVulnId(id: string): string {
  const s = id.trim();
  return /^(cve|ghsa)-/i.test(s)
    ? s.replace(/^(cve|ghsa)/i, (m) => m.toUpperCase()).replace(/^GHSA-(.*)$/, (_m, r: string) => `GHSA-${r.toLowerCase()}`)
    : s;
}

/**
 * Orders vulnerability ids CVE first, then GHSA, then other schemes, deduplicated; the first is the primary id used
 * for identity, so a GHSA reported by one tool and its CVE by another fold together when either lists the alias.
 */
export function orderVulnIds(ids: Iterable<string | undefined>): string[] {
  const seen = new Map<string, string>();
  for (const raw of ids) {
    if (!raw) continue;
    const id = normalizeVulnId(raw);
    if (id && !seen.has(id.toUpperCase())) seen.set(id.toUpperCase(), id);
  }
  return [...seen.values()]
    .map((id, i) => ({ id, i, r: idRank(id) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.id);
}
