// The whole-transfer stages' reports in words, for people: the CLI's summary and the demos.
import type { PrivacyReport } from './privacy/index.js';
import type { TrajectoryReport } from './trajectory/index.js';

const share = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;
const fixed = (x: number) => (Number.isNaN(x) ? 'n/a' : Number.isInteger(x) ? String(x) : x.toFixed(3));

/** What the privacy model asked, what the output shows, how it got there, and the risk before and after. */
export function describePrivacy(r: PrivacyReport): string[] {
  const asked = [`k ${r.model.k}`, ...r.model.sensitive.flatMap((s) => [
    ...(s.l !== undefined ? [`l ${s.l} on ${s.column}`] : []),
    ...(s.t !== undefined ? [`t ${s.t} on ${s.column} (${s.distance} distance)`] : []),
  ])];
  const achieved = [`k ${r.achieved.k}`, ...Object.entries(r.achieved.l).map(([c, l]) => `l ${fixed(l)} on ${c}`), ...Object.entries(r.achieved.t).map(([c, t]) => `t ${fixed(t)} on ${c}`)];
  const levels = Object.entries(r.levels).map(([c, l]) => `${c} ${l.level === 0 ? 'as is' : l.level === l.height - 1 ? "'*'" : `level ${l.level}/${l.height - 1}`}`);
  const { input, output } = r.risk;
  return [
    `asked ${asked.join(', ')} with at most ${share(r.model.suppressionLimit)} suppressed; achieved ${achieved.join(', ')}`,
    `generalised: ${levels.join(', ')}`,
    `suppressed ${r.suppressed} of ${r.records} records ('*' in every quasi-identifier); ${r.classes} classes; information loss ${r.informationLoss.toFixed(3)}, discernability ${r.discernability}`,
    `re-identification risk (prosecutor): highest ${fixed(input.prosecutorHighest)} -> ${fixed(output.prosecutorHighest)}, average ${fixed(input.prosecutorAverage)} -> ${fixed(output.prosecutorAverage)}, records unique ${share(input.uniqueShare)} -> ${share(output.uniqueShare)}`,
    `search: ${r.search.evaluated} of ${r.search.nodes} lattice nodes evaluated in ${r.search.milliseconds} ms${r.search.monotone ? '' : ' (t-closeness with suppression: no monotone pruning)'}`,
  ];
}

/** Points in and out, and why the others were dropped. */
export function describeTrajectory(r: TrajectoryReport): string[] {
  return [
    `${r.pointsIn} points of ${r.vehicles} vehicles in ${r.trips} trips; ${r.pointsOut} left (${share(r.pointsIn === 0 ? 0 : r.pointsOut / r.pointsIn)})`,
    `dropped: ${r.droppedTrim} near a trip's start or end, ${r.droppedGeofence} inside a geofence, ${r.droppedInvalid} invalid${r.droppedHeld > 0 ? `, ${r.droppedHeld} undecided at the hold limit` : ''}`,
  ];
}
