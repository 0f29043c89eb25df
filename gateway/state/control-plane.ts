// The control plane's state, event-sourced on the ledger: every change is a ledger entry, and the
// in-memory state is what applying those entries in ledger order gives (`follow`). A command
// validates against the current state under its entity's lease (`exclusive`), appends its event
// and answers once the entry is durable and applied. With the file ledger the entry is applied as
// it is taken; with PostgreSQL, when this replica catches up to it (with the entries of other
// replicas before it).
import { DataportError } from '../../crypto/errors.js';
import type { Artefacts, Basis, ImportantData, Zone } from '../../policies/compliance/index.js';
import { AggregationState, type AggregationEvent } from '../aggregation/state.js';
import { ComplianceState, type ComplianceEvent } from '../compliance/state.js';
import type { LedgerEntry } from '../ledger/format.js';
import { Leases, type LeaseOptions } from '../store/leases.js';
import type { LedgerStore } from '../store/types.js';
import { applyNegotiationEvent, type Negotiation, type NegotiationEvent } from './negotiations.js';
import { applyTransferEvent, type Transfer, type TransferEvent } from './transfers.js';

export type Role = 'provider' | 'consumer';

/**
 * How long a message waits for the commit of the step before it, when it may have overtaken that
 * commit: the consumer acts on a message (an agreement, FINALIZED, a transfer start) as soon as it
 * receives it, while the gateway commits the step once the acknowledgement is back, perhaps on
 * another replica. Used with `ControlPlane.settle`.
 */
export const ACK_GRACE_MS = 3000;

export interface ExporterProfile {
  /** Critical information infrastructure operator (CIIO). */
  ciio: boolean;
  zone: Zone;
  sector?: string;
  negativeList?: string;
  /** Export pathway artefacts on file (the compliance engine's own type). */
  artefacts?: Artefacts;
}

/** A dataset's compliance facts, as its provider declares them (gateway/compliance/facts.ts fills in what the fields show). */
export interface DatasetCompliance {
  sector?: string;
  scenario?: string;
  categories?: string[];
  personalInfo?: boolean;
  sensitivePersonalInfo?: boolean;
  importantData?: ImportantData;
  coreData?: boolean;
  hgr?: { information?: boolean; materials?: boolean; foreignRecipient?: boolean };
  basis?: Basis;
  /** The field naming the individual, for counting distinct individuals. */
  subjectColumn?: string;
}

export interface ParticipantProfile {
  legalName: string;
  /** ISO 3166 code (with subdivision where useful: CN-BJ). */
  jurisdiction: string;
  roles: Role[];
  exporter?: ExporterProfile;
  /** Where the participant's connector receives DSP callbacks. */
  callbackAddress?: string;
}

export interface Participant extends ParticipantProfile {
  did: string;
  registeredAt: string;
  updatedAt: string;
}

export type FieldRole = 'direct-identifier' | 'quasi-identifier' | 'sensitive' | 'other';

export interface DatasetField {
  name: string;
  /** Arrow type name: utf8, int32, int64, float64, bool, date32, timestamp[ms], ... */
  type: string;
  role: FieldRole;
  /** Personal-information category, where the field has one (health, location, identity, ...). */
  category?: string;
}

export interface DatasetInput {
  id?: string;
  title: string;
  description?: string;
  keywords?: string[];
  schema: { fields: DatasetField[] };
  /** Number of distinct data subjects (people) in the dataset. */
  subjects: number;
  /** How many of them have sensitive personal information in it. */
  sensitiveSubjects?: number;
  compliance?: DatasetCompliance;
  source: { format: 'csv' | 'ndjson' | 'dataset-json' | 'arrow' | 'gps-trace'; location?: string; rows?: number };
  /** ODRL offers, as DSP carries them. */
  offers: Record<string, unknown>[];
}

export interface Dataset extends Omit<DatasetInput, 'id'> {
  id: string;
  provider: string;
  status: 'published' | 'withdrawn';
  version: number;
  publishedAt: string;
  updatedAt: string;
}

/** What a command returns once its event is durable. */
export interface Committed<T> {
  value: T;
  seq: number;
}

type Event =
  | NegotiationEvent
  | TransferEvent
  | ComplianceEvent
  | AggregationEvent
  | { type: 'participant.registered' | 'participant.updated'; body: { did: string; profile: ParticipantProfile } }
  | { type: 'dataset.published' | 'dataset.updated'; body: { provider: string; dataset: DatasetInput & { id: string } } }
  | { type: 'dataset.withdrawn'; body: { provider: string; id: string } };

export class ControlPlane {
  readonly participants = new Map<string, Participant>();
  readonly datasets = new Map<string, Dataset>();
  /** By providerPid. */
  readonly negotiations = new Map<string, Negotiation>();
  /** Agreement @id to the providerPid of its negotiation. */
  readonly agreements = new Map<string, string>();
  /** Transfer processes by providerPid. */
  readonly transfers = new Map<string, Transfer>();
  /** Each exporter's compliance decisions, stopped transfers and calendar-year counters. */
  readonly compliance = new ComplianceState();
  /** Homomorphic aggregation jobs and the privacy budget spent. */
  readonly aggregation = new AggregationState();
  private readonly ledger: LedgerStore;
  /** Who works on which entity: a mutex per key here, a lease shared by the replicas with PostgreSQL. */
  readonly leases: Leases;
  /** Observers of every applied entry (the data plane watches for suspensions made elsewhere). */
  private readonly watchers: ((entry: LedgerEntry) => void)[] = [];

  private constructor(ledger: LedgerStore, leases: Leases) {
    this.ledger = ledger;
    this.leases = leases;
  }

  /**
   * The state the ledger's entries describe, kept up to date as entries are appended: this
   * process's own as they are taken, other replicas' at each `sync()`.
   */
  static async open(ledger: LedgerStore, leases = new Leases()): Promise<ControlPlane> {
    const state = new ControlPlane(ledger, leases);
    ledger.follow((entry) => {
      state.apply(entry);
      for (const w of state.watchers) w(entry);
    });
    await ledger.sync();
    return state;
  }

  /** Waits up to `ms` for `ready()` to hold, syncing meanwhile (see ACK_GRACE_MS). Never inside the lease the awaited commit needs. */
  async settle(ready: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      await this.sync();
    }
  }

  /**
   * The negotiation behind an agreement, once a VERIFIED one has had ACK_GRACE_MS to become
   * FINALIZED: the consumer is FINALIZED when the gateway's message reaches it, the gateway when
   * the acknowledgement comes back (possibly to another replica), and the consumer may use the
   * agreement (a transfer, an aggregation job) in between.
   */
  async settledAgreement(agreementId: string): Promise<Negotiation | undefined> {
    const negotiation = () => this.negotiations.get(this.agreements.get(agreementId) ?? '');
    await this.settle(() => negotiation()?.state !== 'VERIFIED', ACK_GRACE_MS);
    return negotiation();
  }

  /** Calls `fn` with each entry applied from now on. */
  watch(fn: (entry: LedgerEntry) => void): void {
    this.watchers.push(fn);
  }

  /** Brings the state up to the newest entry any replica has made durable. */
  sync(): Promise<void> {
    return this.ledger.sync();
  }

  /**
   * Runs `fn` holding `key` (an entity: `negotiation:<pid>`, `dataset:<id>`, ...) against state
   * that includes everything committed before the lease was taken, so a check made in `fn` still
   * holds when its event is appended, on whichever replica. Re-entrant within one piece of work.
   */
  exclusive<T>(key: string, fn: () => Promise<T>, opts?: LeaseOptions): Promise<T> {
    return this.leases.exclusive(key, async () => {
      if (this.leases.shared) await this.sync();
      return fn();
    }, opts);
  }

  /** Applies one ledger entry; entries of other kinds are ignored. */
  apply(entry: { type: string; time: string; body: unknown; seq: number }): void {
    const e = entry as unknown as Event & { time: string; seq: number };
    switch (e.type) {
      case 'participant.registered':
      case 'participant.updated': {
        const old = this.participants.get(e.body.did);
        this.participants.set(e.body.did, { ...e.body.profile, did: e.body.did, registeredAt: old?.registeredAt ?? e.time, updatedAt: e.time });
        return;
      }
      case 'dataset.published':
      case 'dataset.updated': {
        const old = this.datasets.get(e.body.dataset.id);
        this.datasets.set(e.body.dataset.id, {
          ...e.body.dataset, provider: e.body.provider, status: 'published', version: (old?.version ?? 0) + 1,
          publishedAt: old?.publishedAt ?? e.time, updatedAt: e.time,
        });
        return;
      }
      case 'dataset.withdrawn': {
        const old = this.datasets.get(e.body.id);
        if (old) this.datasets.set(e.body.id, { ...old, status: 'withdrawn', updatedAt: e.time, version: old.version + 1 });
        return;
      }
      default:
        if (e.type.startsWith('compliance.')) {
          this.compliance.apply(e as ComplianceEvent, e.time, e.seq);
        } else if (e.type.startsWith('aggregation.')) {
          this.aggregation.apply(e as AggregationEvent, e.time);
        } else if (e.type.startsWith('transfer.')) {
          applyTransferEvent(this.transfers, e as TransferEvent, e.time, e.seq);
        } else if (applyNegotiationEvent(this.negotiations, e as NegotiationEvent, e.time, e.seq) && e.type === 'negotiation.verified') {
          this.agreements.set(e.body.agreement['@id'], e.body.providerPid);
        }
    }
  }

  /**
   * Appends the event; resolves with its sequence number once it is durable and applied (with
   * the file ledger it is applied at once, in the same step as the append).
   */
  async commit(event: Event): Promise<number> {
    this.leases.assertHeld();
    const { seq } = await this.ledger.append(event.type, event.body);
    return seq;
  }

  participant(did: string): Participant | undefined {
    return this.participants.get(did);
  }

  /** The registered participant behind a signature, or 403. */
  requireParticipant(did: string | undefined, role?: Role): Participant {
    const p = did === undefined ? undefined : this.participants.get(did);
    if (!p) throw new DataportError('DP_ERR_NOT_REGISTERED', `${did ?? 'unsigned request'}; register with POST /participants first`);
    if (role && !p.roles.includes(role)) throw new DataportError('DP_ERR_FORBIDDEN', `${did} is not registered as a ${role}`);
    return p;
  }

  async register(did: string, profile: ParticipantProfile): Promise<Committed<Participant>> {
    if (profile.roles.includes('provider') && !profile.exporter) {
      throw new DataportError('DP_ERR_VALIDATION', 'a provider must give its exporter profile (ciio, zone) for the compliance engine');
    }
    return this.exclusive(`participant:${did}`, async () => {
      const type = this.participants.has(did) ? 'participant.updated' : 'participant.registered';
      const seq = await this.commit({ type, body: { did, profile } });
      return { value: this.participants.get(did)!, seq };
    });
  }

  /** A dataset as its provider sees it; another party's dataset is reported as not found. */
  ownDataset(provider: string, id: string): Dataset {
    const d = this.datasets.get(id);
    if (!d || d.provider !== provider) throw new DataportError('DP_ERR_NOT_FOUND', `dataset ${id}`);
    return d;
  }

  publish(provider: string, input: DatasetInput & { id: string }): Promise<Committed<Dataset>> {
    return this.exclusive(`dataset:${input.id}`, async () => {
      const existing = this.datasets.get(input.id);
      if (existing) throw new DataportError('DP_ERR_CONFLICT', `dataset ${input.id} already exists${existing.provider === provider ? '; update it with PUT' : ''}`);
      const seq = await this.commit({ type: 'dataset.published', body: { provider, dataset: input } });
      return { value: this.datasets.get(input.id)!, seq };
    });
  }

  update(provider: string, input: DatasetInput & { id: string }): Promise<Committed<Dataset>> {
    return this.exclusive(`dataset:${input.id}`, async () => {
      const d = this.ownDataset(provider, input.id);
      if (d.status === 'withdrawn') throw new DataportError('DP_ERR_CONFLICT', `dataset ${input.id} was withdrawn`);
      const seq = await this.commit({ type: 'dataset.updated', body: { provider, dataset: input } });
      return { value: this.datasets.get(input.id)!, seq };
    });
  }

  withdraw(provider: string, id: string): Promise<Committed<Dataset>> {
    return this.exclusive(`dataset:${id}`, async () => {
      const d = this.ownDataset(provider, id);
      if (d.status === 'withdrawn') return { value: d, seq: -1 };
      const seq = await this.commit({ type: 'dataset.withdrawn', body: { provider, id } });
      return { value: this.datasets.get(id)!, seq };
    });
  }
}
