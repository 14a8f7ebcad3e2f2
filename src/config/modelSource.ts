/**
 * Where a service's models come from (`source`: an S3 bucket or an MLflow registry) and what a rollback
 * changes (`action`: the config file's version line by PR, or the registry's serving alias). Read apart
 * from the rest of a service because each choice makes other keys required or meaningless, and a key
 * that would be silently ignored is refused instead.
 */
import { parseTagRule, type TagRule } from '../domain/registry.js';
import type { Reader } from './reader.js';

export type ModelSourceKind = 's3' | 'mlflow';
export type RollbackAction = 'config_pr' | 'registry_alias';

export interface MlflowConfig {
  /** Undefined: MLFLOW_TRACKING_URI from the environment (checked at start-up). */
  readonly trackingUri?: string;
  /** The registered model's name. */
  readonly model: string;
  /** The alias the serving layer loads. */
  readonly alias: string;
  readonly validatedTag: TagRule;
  /** Run metrics shown beside each candidate (keys of the version's run). */
  readonly metrics: readonly string[];
  readonly timeoutMs: number;
}

export interface ModelSourceConfig {
  readonly source: ModelSourceKind;
  readonly action: RollbackAction;
  readonly mlflow?: MlflowConfig;
}

/**
 * Services that would have no MLflow server to ask: their own `tracking_uri` is unset and so is
 * MLFLOW_TRACKING_URI. Checked at start-up (bot and CLI), so the answer comes before any command.
 */
export function withoutTrackingUri(
  services: readonly { readonly name: string; readonly mlflow?: MlflowConfig }[],
  envUri: string | undefined,
): string[] {
  if (envUri) return [];
  return services.filter((s) => s.mlflow && !s.mlflow.trackingUri).map((s) => s.name);
}

/** Alias names as MLflow accepts them (letters, digits, `_`, `-`; not `latest` nor `vN`). */
const ALIAS = /^(?!latest$)(?!v\d+$)[A-Za-z0-9_-]{1,255}$/;

export function readModelSource(r: Reader): ModelSourceConfig {
  const source = r.oneOf('source', ['s3', 'mlflow'] as const, 's3');
  const action = r.oneOf('action', ['config_pr', 'registry_alias'] as const, 'config_pr');
  if (action === 'registry_alias' && source !== 'mlflow') {
    r.problem('action', '"registry_alias" moves an MLflow alias: it needs source = "mlflow"');
  }
  if (source !== 'mlflow') {
    r.refuse('mlflow', 'only for source = "mlflow"');
    return { source, action };
  }
  const m = r.table('mlflow');
  const trackingUri = m.optionalString('tracking_uri', {
    pattern: /^https?:\/\/\S+$/,
    hint: 'the MLflow server URL, e.g. "https://mlflow.example.com"',
  });
  const model = m.string('model', { hint: 'the registered model name' });
  const alias = m.string('alias', {
    default: 'champion',
    pattern: ALIAS,
    hint: 'an MLflow alias like "champion"',
  });
  const tagText = m.string('validated_tag', { default: 'validation_status=passed' });
  const validatedTag = parseTagRule(tagText);
  if (!validatedTag) m.problem('validated_tag', 'expected "key=value", e.g. "validation_status=passed"');
  const metrics = m.strings('metrics');
  const timeoutMs = m.number('timeout_ms', { default: 5000, min: 100, max: 120_000, integer: true });
  m.rejectUnknown();
  return {
    source,
    action,
    mlflow: {
      trackingUri,
      model,
      alias,
      validatedTag: validatedTag ?? { key: 'validation_status', value: 'passed' },
      metrics,
      timeoutMs,
    },
  };
}
