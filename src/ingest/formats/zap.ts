/**
 * OWASP ZAP "traditional" reports, JSON (`-J`) and XML (`-x`): site → alerts → instances.
 * One finding per alert instance (URL + method + parameter); web findings carry a `location`, never a repository path.
 */
import type { Finding, ScannerSuppression, ToolRef } from '../../model';
import { hashParts } from '../fingerprint';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { cweId, firstLine, isObj, own, text, type Obj } from '../values';
import { Collector } from './collector';
import { nodeText, xmlList } from './xml-nodes';
import { toolRef } from './tool-refs';
import { firstUrl, urlWithoutQueryValues } from './urls';
import { withSection } from './text-fields';

const RISK_WORDS = ['informational', 'low', 'medium', 'high'] as const;
const CONFIDENCE_WORDS = ['false-positive', 'low', 'medium', 'high', 'confirmed'] as const;
const RISKDESC_WORD = /^\s*([A-Za-z]+)/;

/** The parts of an alert and an instance both formats share, read through `get` (JSON member or XML child text). */
interface AlertView {
  get(key: string): string | undefined;
  instances: InstanceView[];
  tags: string[];
}
interface InstanceView {
  get(key: string): string | undefined;
  pointer: string;
}

function severityWord(riskcode: string | undefined, riskdesc: string | undefined): string | undefined {
  const n = riskcode !== undefined ? Number(riskcode) : NaN;
  if (Number.isInteger(n) && n >= 0 && n < RISK_WORDS.length) return RISK_WORDS[n];
  const w = riskdesc ? RISKDESC_WORD.exec(riskdesc)?.[1] : undefined;
  return w ? w.toLowerCase() : undefined;
}

function toFindings(
  alert: AlertView,
  site: string | undefined,
  alertPointer: string,
  tool: ToolRef,
  format: string,
  ctx: ParseContext,
): Finding[] {
  const pluginId = alert.get('pluginid') ?? alert.get('alertRef') ?? 'unknown';
  const alertRef = alert.get('alertRef');
  const title = firstLine(alert.get('name') ?? alert.get('alert') ?? `ZAP alert ${pluginId}`);
  let message = alert.get('desc') ?? title;
  message = withSection(message, 'Solution', alert.get('solution'));
  const cwe = cweId(alert.get('cweid'));
  const wasc = alert.get('wascid');
  const confidence = Number(alert.get('confidence'));
  const confidenceWord = Number.isInteger(confidence) ? CONFIDENCE_WORDS[confidence] : undefined;
  const tags = ['dast'];
  if (alertRef && alertRef !== pluginId) tags.push(`alertRef:${alertRef}`);
  if (wasc && wasc !== '0' && wasc !== '-1') tags.push(`WASC-${wasc}`);
  if (confidenceWord) tags.push(`confidence:${confidenceWord}`);
  for (const t of alert.tags) if (!tags.includes(t)) tags.push(t);
  // Confidence 0 is what ZAP writes for alerts a user marked as false positives.
  const suppressions: ScannerSuppression[] =
    confidence === 0 && alert.get('confidence') !== undefined
      ? [{ kind: 'external', status: 'accepted', justification: 'marked as a false positive in ZAP (confidence 0)' }]
      : [];
  const base = {
    tool,
    ruleId: pluginId,
    title,
    message,
    helpUri: firstUrl(alert.get('reference')),
    kind: 'dast' as const,
    cwe: cwe ? [cwe] : [],
    cve: [],
    tags,
    scannerSeverity: severityWord(alert.get('riskcode'), alert.get('riskdesc')),
    resultKind: 'fail' as const,
    suppressions,
  };
  const instances: InstanceView[] = alert.instances.length
    ? alert.instances
    : // Older reports put uri/method/param on the alert itself; an alert without any keeps the site as its location.
      [{ get: (k) => alert.get(k) ?? (k === 'uri' ? site : undefined), pointer: alertPointer }];
  return instances.map((inst): Finding => {
    const uri = inst.get('uri') ?? site ?? '';
    const method = (inst.get('method') ?? '').toUpperCase();
    const param = inst.get('param') ?? '';
    const f: Finding = {
      ...base,
      tags: [...base.tags],
      suppressions: base.suppressions.map((s) => ({ ...s })),
      fingerprint: hashParts('zap', tool.name.toLowerCase(), pluginId, method, urlWithoutQueryValues(uri), param),
      fingerprintSource: 'computed:url',
      source: { file: ctx.file, format, pointer: inst.pointer },
    };
    if (uri) f.location = uri;
    if (method) f.tags.push(`method:${method}`);
    if (param) f.tags.push(`param:${param}`);
    const evidence = inst.get('evidence');
    if (evidence) f.snippet = evidence;
    const attack = inst.get('attack');
    if (attack) f.message = withSection(f.message, 'Attack', attack);
    const other = inst.get('otherinfo') ?? alert.get('otherinfo');
    if (other) f.message = withSection(f.message, 'Other info', other);
    return f;
  });
}

// ---------- JSON ----------

function jsonGet(o: Obj): (key: string) => string | undefined {
  return (key) => text(own(o, key));
}

function jsonTags(v: unknown): string[] {
  // ZAP 2.12+: "tags": {"OWASP_2021_A01": "https://…", …}
  if (isObj(v)) return Object.keys(v).filter((k) => k !== '__proto__');
  return [];
}

function parseJson(doc: unknown, ctx: ParseContext): ParseResult {
  const p = new Collector(ctx.file, 'zap');
  const findings: Finding[] = [];
  const tool = toolRef('ZAP', text(own(doc, '@version')));
  const rawSites = own(doc, 'site');
  const sites: { v: unknown; path: string }[] = Array.isArray(rawSites)
    ? rawSites.map((v, i) => ({ v, path: `$.site[${i}]` }))
    : rawSites === undefined || rawSites === null
      ? []
      : [{ v: rawSites, path: '$.site' }];
  for (const { v: siteV, path: sitePath } of sites) {
    const site = p.object(siteV, sitePath);
    if (!site) continue;
    const siteName = text(own(site, '@name'));
    // ZAP's JSON report template always writes `alerts` for a site (`[]` when clean): its absence may hide findings.
    const alerts = p.required(own(site, 'alerts'), `${sitePath}.alerts`, 'a ZAP site lists its findings in alerts');
    alerts.forEach((alertV, ai) => {
      const alertPath = `${sitePath}.alerts[${ai}]`;
      const alert = p.object(alertV, alertPath);
      if (!alert) return;
      const instances = p.array(own(alert, 'instances'), `${alertPath}.instances`).flatMap((iv, ii): InstanceView[] => {
        const ip = `${alertPath}.instances[${ii}]`;
        const inst = p.object(iv, ip);
        return inst ? [{ get: jsonGet(inst), pointer: ip }] : [];
      });
      findings.push(
        ...toFindings({ get: jsonGet(alert), instances, tags: jsonTags(own(alert, 'tags')) }, siteName, alertPath, tool, 'zap', ctx),
      );
    });
  }
  return { findings, errors: p.errors, tools: [tool] };
}

export const zapParser: FormatParser = {
  id: 'zap',
  label: 'OWASP ZAP JSON report',
  syntax: 'json',
  detect(doc) {
    if (!isObj(doc)) return false;
    const site = own(doc, 'site');
    if (!(Array.isArray(site) || isObj(site))) return false;
    // GitLab DAST reports embed the ZAP report next to their own `vulnerabilities`: those are GitLab's.
    if (own(doc, 'vulnerabilities') !== undefined) return false;
    return own(doc, '@version') !== undefined || own(doc, '@programName') !== undefined || own(doc, '@generated') !== undefined;
  },
  parse: parseJson,
};

// ---------- XML ----------

function xmlGet(o: unknown): (key: string) => string | undefined {
  return (key) => nodeText(own(o, key));
}

function xmlTags(alert: unknown): string[] {
  const out: string[] = [];
  for (const t of xmlList(own(alert, 'tags'), 'tag')) {
    const name = nodeText(own(t, 'tag')) ?? nodeText(t);
    if (name) out.push(name);
  }
  return out;
}

function parseXmlDoc(doc: unknown, ctx: ParseContext): ParseResult {
  const p = new Collector(ctx.file, 'zap-xml');
  const findings: Finding[] = [];
  const root = own(doc, 'OWASPZAPReport');
  const tool = toolRef(text(own(root, '@_programName')) ?? 'ZAP', text(own(root, '@_version')));
  if (!isObj(root)) {
    p.error('/OWASPZAPReport', `expected an element, found ${typeof root}`, 'the file was not used', 'fatal');
    return { findings, errors: p.errors, tools: [tool] };
  }
  xmlList(root, 'site').forEach((site, si) => {
    const sitePath = `/OWASPZAPReport/site[${si}]`;
    if (!isObj(site)) {
      p.error(
        sitePath,
        'missing: an empty <site/> element lists no <alerts>',
        'the report does not say what was found: check that the scanner step completed',
      );
      return;
    }
    const siteName = text(own(site, '@_name'));
    const alertsEl = own(site, 'alerts');
    // ZAP's XML report always writes <alerts> for a site (`<alerts></alerts>` when clean, corpus empty_2.9.0.xml).
    if (alertsEl === undefined) {
      p.error(
        `${sitePath}/alerts`,
        'missing: a ZAP site lists its findings in <alerts>',
        'the report does not say what was found: check that the scanner step completed',
      );
      return;
    }
    if (alertsEl !== '' && !isObj(alertsEl)) {
      p.error(
        `${sitePath}/alerts`,
        'expected <alerts> to contain <alertitem> elements, found text',
        'the alerts of this site were skipped',
      );
      return;
    }
    xmlList(alertsEl, 'alertitem').forEach((alert, ai) => {
      const alertPath = `${sitePath}/alerts/alertitem[${ai}]`;
      if (!isObj(alert)) {
        p.error(alertPath, 'expected an <alertitem> element with children, found text', 'the alert was skipped');
        return;
      }
      const instances = xmlList(own(alert, 'instances'), 'instance').flatMap((inst, ii): InstanceView[] =>
        isObj(inst) ? [{ get: xmlGet(inst), pointer: `${alertPath}/instances/instance[${ii}]` }] : [],
      );
      findings.push(...toFindings({ get: xmlGet(alert), instances, tags: xmlTags(alert) }, siteName, alertPath, tool, 'zap-xml', ctx));
    });
  });
  return { findings, errors: p.errors, tools: [tool] };
}

export const zapXmlParser: FormatParser = {
  id: 'zap-xml',
  label: 'OWASP ZAP XML report',
  syntax: 'xml',
  detect(doc) {
    return isObj(doc) && own(doc, 'OWASPZAPReport') !== undefined;
  },
  parse: parseXmlDoc,
};
