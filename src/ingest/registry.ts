import type { FormatParser } from './types';
import { sarifParser } from './formats/sarif';
import { trivyParser } from './formats/trivy';
import { grypeParser } from './formats/grype';
import { semgrepParser } from './formats/semgrep';
import { gitleaksParser } from './formats/gitleaks';
import { npmAuditParser } from './formats/npm-audit';
import { osvScannerParser } from './formats/osv-scanner';
import { zapParser, zapXmlParser } from './formats/zap';
import { dependencyCheckParser, dependencyCheckXmlParser } from './formats/dependency-check';
import { snykParser } from './formats/snyk';
import { banditParser } from './formats/bandit';
import { checkovParser } from './formats/checkov';
import { gitlabParser } from './formats/gitlab';
import { findingsParser } from './formats/findings';
import { defectDojoCsvParser, defectDojoJsonParser } from './formats/defectdojo';

/**
 * Every known input format. Detection is by content and each parser's `detect` is exclusive (a test checks that no
 * corpus file is claimed by two), so the order only matters for speed: the most common formats first.
 */
export const PARSERS: readonly FormatParser[] = [
  sarifParser,
  trivyParser,
  grypeParser,
  semgrepParser,
  gitleaksParser,
  npmAuditParser,
  osvScannerParser,
  snykParser,
  dependencyCheckParser,
  zapParser,
  banditParser,
  checkovParser,
  gitlabParser,
  zapXmlParser,
  dependencyCheckXmlParser,
  findingsParser,
  defectDojoJsonParser,
  defectDojoCsvParser,
];
