// The exporter compliance record: what the gateway knows of one exporter's standing, for the
// exporter itself and as the basis of graded supervision: its counters against the thresholds,
// its denials and stopped transfers, and its artefacts with how long they remain valid.
import type { FastifyPluginAsync } from 'fastify';
import { DataportError } from '../../crypto/errors.js';
import { volumeThresholds } from '../../policies/compliance/index.js';
import { errorBody, signed } from '../management/schemas.js';
import type { ControlPlane, ExporterProfile } from '../state/control-plane.js';
import { chinaDate } from './facts.js';
import type { ComplianceService } from './service.js';

/** Working days (Monday to Friday; public holidays not known here) before expiry at which a warning starts. */
export const WARN_WORKING_DAYS = 60;

export interface ArtefactStatus {
  kind: 'standardContract' | 'certification' | 'securityAssessment' | 'pia';
  id?: string;
  date: string;
  /** valid, expiring (within the warning window), expired, or filed (a filing has no expiry). */
  status: 'valid' | 'expiring' | 'expired' | 'filed';
  workingDaysLeft?: number;
}

/** Monday-to-Friday days after `from` up to and including `to` (negative when `to` is before `from`). */
export function workingDaysBetween(from: string, to: string): number {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  const sign = b >= a ? 1 : -1;
  let days = 0;
  for (let t = Math.min(a, b) + 86_400_000; t <= Math.max(a, b); t += 86_400_000) {
    const d = new Date(t).getUTCDay();
    if (d !== 0 && d !== 6) days++;
  }
  return sign * days;
}

export function artefactStatus(artefacts: NonNullable<ExporterProfile['artefacts']>, today: string): ArtefactStatus[] {
  const out: ArtefactStatus[] = [];
  const expiring = (kind: 'certification' | 'securityAssessment', a: { id: string; expires: string } | undefined) => {
    if (!a) return;
    const left = workingDaysBetween(today, a.expires);
    out.push({ kind, id: a.id, date: a.expires, status: a.expires < today ? 'expired' : left <= WARN_WORKING_DAYS ? 'expiring' : 'valid', workingDaysLeft: left });
  };
  if (artefacts.standardContract) out.push({ kind: 'standardContract', id: artefacts.standardContract.filingId, date: artefacts.standardContract.filedOn, status: 'filed' });
  expiring('certification', artefacts.certification);
  expiring('securityAssessment', artefacts.securityAssessment);
  if (artefacts.pia) out.push({ kind: 'pia', date: artefacts.pia.date, status: 'filed' });
  return out;
}

export const complianceRoutes: FastifyPluginAsync<{ state: ControlPlane; compliance: ComplianceService; now: () => Date }> = async (app, { state, compliance, now }) => {
  app.get<{ Params: { did: string } }>('/compliance/exporters/:did', {
    schema: {
      tags: ['compliance'],
      summary: "An exporter's compliance record: counters against thresholds, denials, stopped transfers, artefacts (the exporter itself only)",
      security: signed,
      params: { type: 'object', properties: { did: { type: 'string' } }, required: ['did'] },
      response: { 401: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (request) => {
    const did = request.params.did;
    state.requireParticipant(request.signer);
    if (request.signer !== did) throw new DataportError('DP_ERR_FORBIDDEN', 'an exporter\'s compliance record is visible to that exporter only');
    const exporter = state.participant(did);
    if (!exporter?.exporter) throw new DataportError('DP_ERR_NOT_FOUND', `exporter ${did}`);
    const { date, year } = chinaDate(now());
    const record = state.compliance.exporters.get(did);
    const counters = state.compliance.counters(did, year);
    // The plain thresholds of this exporter (its zone's list aside), for every kind of personal information.
    const thresholds = volumeThresholds({
      date,
      exporter: { ciio: exporter.exporter.ciio, zone: exporter.exporter.zone },
      transfer: { personalInfo: true, sensitivePersonalInfo: true, importantData: 'none', subjects: 0, sensitiveSubjects: 0 },
      counters,
    }, compliance.rules);
    return {
      exporter: did,
      date,
      year,
      rules: compliance.rulesId,
      counters: {
        ...counters,
        thresholds,
        nextNonSensitive: thresholds.nonSensitive.find((n) => n > counters.nonSensitiveSubjects) ?? null,
        nextSensitive: thresholds.sensitive.find((n) => n > counters.sensitiveSubjects) ?? null,
      },
      decisions: record?.decisions ?? 0,
      last: record?.last ?? {},
      denials: record?.denials ?? [],
      stopped: record?.stopped ?? [],
      artefacts: artefactStatus(exporter.exporter.artefacts ?? {}, date),
    };
  });
};
