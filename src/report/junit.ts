import type { RunResult } from '../engine';
import { formatInputError, type RatedFinding } from '../model';
import { stripControl, truncate } from '../text/escape';

/**
 * JUnit XML report (`--junit FILE`) for Jenkins, GitLab (artifacts:reports:junit), Azure DevOps and every CI server
 * with a test report view. Checked against the Jenkins JUnit schema (schema/vendor/jenkins-junit.xsd).
 *
 * - suite `<name> gate (<environment>)`: one test case per gate rule; a `fail` rule that is exceeded is a failure,
 *   an exceeded `warn` rule passes with its count in system-out (JUnit has no "warning"); one more case, `inputs`,
 *   has an `error` per unusable input file when input errors fail the gate.
 * - suite `<name> blocking findings`: one failing test case per finding that makes the gate fail.
 */

/** XML 1.0 text: markup escaped, characters XML cannot hold (controls, lone surrogates, U+FFFE/U+FFFF) dropped. */
export function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const attr = (s: string, max = 500): string => xmlText(truncate(stripControl(s), max));

function findingCase(f: RatedFinding): string {
  const where =
    f.path !== undefined
      ? `${f.path}${f.startLine !== undefined ? `:${f.startLine}` : ''}`
      : (f.location ?? f.package?.name ?? f.source.file);
  const name = `${f.severity}: ${f.title || f.ruleId} (${where})`;
  const body = [
    `rule: ${f.ruleId} (${f.tool.name})`,
    `severity: ${f.severity}; ${f.explanation.map((s) => s.detail).join('; ')}`,
    `location: ${where}`,
    ...(f.cve.length ? [`vulnerability: ${f.cve.join(', ')}`] : []),
    ...(f.sla ? [`fix by: ${f.sla.due.slice(0, 10)} (${f.sla.state})`] : []),
    `fingerprint: ${f.fingerprint}`,
    ...(f.message && f.message !== f.title ? ['', f.message] : []),
  ].join('\n');
  return `    <testcase classname="${attr(`${f.tool.name}.${f.ruleId}`)}" name="${attr(name)}" time="0">\n      <failure type="${attr(f.severity)}" message="${attr(f.title || f.ruleId)}">${xmlText(truncate(stripControl(body), 8000))}</failure>\n    </testcase>\n`;
}

/** The report as XML text in pieces (a large run does not have to fit one string). */
export function* junitPieces(
  result: Pick<RunResult, 'findings' | 'blocking' | 'verdict' | 'errors' | 'environment' | 'generatedAt'>,
  name = 'defect-gate',
): Generator<string> {
  const { verdict } = result;
  const rules = verdict.rules;
  const failedRules = rules.filter((r) => r.exceeded && r.action === 'fail').length;
  const inputErrors = verdict.inputErrors.blocking ? result.errors.filter((e) => e.severity !== 'scanner') : [];
  const blocking = result.findings.filter((f) => result.blocking.has(f.fingerprint));
  const gateTests = rules.length + (inputErrors.length ? 1 : 0);
  const totalTests = gateTests + blocking.length;
  const totalFailures = failedRules + blocking.length;
  const stamp = result.generatedAt.slice(0, 19);
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<testsuites name="${attr(name)}" tests="${totalTests}" failures="${totalFailures}" errors="${inputErrors.length ? 1 : 0}">\n`;
  yield `  <testsuite name="${attr(`${name} gate (${result.environment})`)}" tests="${gateTests}" failures="${failedRules}" errors="${inputErrors.length ? 1 : 0}" skipped="0" time="0" timestamp="${attr(stamp)}">\n`;
  yield `    <properties>\n      <property name="verdict" value="${attr(verdict.status)}"/>\n      <property name="environment" value="${attr(result.environment)}"/>\n      <property name="blocking" value="${blocking.length}"/>\n    </properties>\n`;
  for (const r of rules) {
    const line = `${r.name}: ${r.count} finding(s) (${r.conditions}), at most ${r.max} allowed`;
    yield `    <testcase classname="${attr(`gate.${result.environment}`)}" name="${attr(r.name)}" time="0">\n`;
    if (r.exceeded && r.action === 'fail')
      yield `      <failure type="gate" message="${attr(line)}">${xmlText(truncate(stripControl(`${line}\nfindings: ${r.findings.slice(0, 50).join(', ')}${r.findings.length > 50 ? ', …' : ''}`), 8000))}</failure>\n`;
    else if (r.exceeded) yield `      <system-out>${xmlText(truncate(stripControl(`warning: ${line}`), 8000))}</system-out>\n`;
    yield '    </testcase>\n';
  }
  if (inputErrors.length) {
    const text = inputErrors
      .slice(0, 100)
      .map((e) => stripControl(formatInputError(e)))
      .join('\n');
    yield `    <testcase classname="${attr(`gate.${result.environment}`)}" name="inputs" time="0">\n      <error type="input" message="${attr(`${inputErrors.length} input file(s) could not be used`)}">${xmlText(truncate(text, 8000))}</error>\n    </testcase>\n`;
  }
  yield '  </testsuite>\n';
  yield `  <testsuite name="${attr(`${name} blocking findings`)}" tests="${blocking.length}" failures="${blocking.length}" errors="0" skipped="0" time="0" timestamp="${attr(stamp)}">\n`;
  for (const f of blocking) yield findingCase(f);
  yield '  </testsuite>\n</testsuites>\n';
}
