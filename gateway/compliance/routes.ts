// The exporter compliance record: what the gateway knows of one exporter's standing, for the
// exporter itself and as the basis of graded supervision: its counters against the thresholds,
// its denials and stopped transfers, and its artefacts with how long they remain valid.
import type { FastifyPluginAsync } from 'fastify';
import { DataportError } from '../../crypto/errors.js';
import { artefactStatus, volumeThresholds } from '../../policies/compliance/index.js';
import { errorBody, signed } from '../management/schemas.js';
import type { ControlPlane } from '../state/control-plane.js';
import { chinaDate } from './facts.js';
import type { ComplianceService } from './service.js';

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
      artefacts: artefactStatus(exporter.exporter.artefacts ?? {}, date, compliance.rules),
    };
  });
};
