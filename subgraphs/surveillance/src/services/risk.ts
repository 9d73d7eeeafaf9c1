import type { RiskLevelValue } from '../entities';

/**
 * Event risk, 0–100, from what was seen: the most dangerous object class (weighted by its
 * confidence), weapons and other threats (by severity and confidence), suspicious poses and
 * actions, how many detections, and how unusual the activity is for the camera at this hour
 * and weekday compared with its learned baseline. Deterministic, so tests can state scores.
 */
export interface RiskInput {
  detections: {
    objectType: string;
    confidence: number;
    threats: { severity: string; confidence: number }[];
    suspiciousPose: boolean;
    suspiciousAction: boolean;
  }[];
  /** The camera's activity baseline for this slot before this ingest, if learned. */
  activity: { avgCount: number; sampleCount: number } | null;
  /** Classes seen here that the class baseline says are rare at this hour. */
  rareClasses: string[];
}

export const CLASS_WEIGHTS: Record<string, number> = {
  person: 40,
  car: 20,
  truck: 25,
  motorcycle: 20,
  bicycle: 15,
  vehicle: 20,
  dog: 10,
  cat: 5,
  bird: 2,
  package: 15,
};
const DEFAULT_CLASS_WEIGHT = 10;
const THREAT_WEIGHTS: Record<string, number> = { critical: 60, high: 45, medium: 30, low: 15 };
/** Baselines need this many samples before they count. */
export const MIN_BASELINE_SAMPLES = 3;

export interface RiskAssessment {
  score: number;
  level: RiskLevelValue;
  reasons: string[];
}

export function riskLevel(score: number): RiskLevelValue {
  if (score >= 85) return 'critical';
  if (score >= 60) return 'high';
  if (score >= 30) return 'medium';
  return 'low';
}

export function assessRisk(input: RiskInput): RiskAssessment {
  const reasons: string[] = [];
  let score = 0;
  const classScore = Math.max(
    0,
    ...input.detections.map((d) => (CLASS_WEIGHTS[d.objectType] ?? DEFAULT_CLASS_WEIGHT) * d.confidence),
  );
  score += classScore;
  const threatScore = Math.max(
    0,
    ...input.detections.flatMap((d) => d.threats.map((t) => (THREAT_WEIGHTS[t.severity] ?? 15) * t.confidence)),
  );
  if (threatScore > 0) reasons.push('threat detected');
  score += threatScore;
  if (input.detections.some((d) => d.suspiciousPose)) {
    score += 10;
    reasons.push('suspicious pose');
  }
  if (input.detections.some((d) => d.suspiciousAction)) {
    score += 10;
    reasons.push('suspicious action');
  }
  score += Math.min(10, 2 * (input.detections.length - 1));
  const activity = input.activity;
  if (activity && activity.sampleCount >= MIN_BASELINE_SAMPLES) {
    const ratio = input.detections.length / (activity.avgCount + 1);
    if (ratio > 1) {
      score += Math.min(20, 10 * (ratio - 1));
      reasons.push('more activity than usual');
    }
  }
  if (input.rareClasses.length) {
    score += 10;
    reasons.push(`unusual at this hour: ${input.rareClasses.join(', ')}`);
  }
  const final = Math.max(0, Math.min(100, Math.round(score)));
  return { score: final, level: riskLevel(final), reasons };
}
