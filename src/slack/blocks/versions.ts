/** `/rollback versions`: newest first, with CI's resolution and whether each is a safe target. */

import type { VersionRow } from '../../domain/overview.js';
import { describeReason } from '../../domain/targets.js';
import type { EvidenceSet } from '../../workflows/evidence.js';
import { type ServiceStatus, versionCount } from '../../workflows/serviceStatus.js';
import { evidenceLine, evidenceLinks } from './evidence.js';
import { type Block, context, header, MAX_BLOCKS, message, packSections, plain, section } from './kit.js';
import { code, date, EMPTY, joinMd, type Mrkdwn, md } from './mrkdwn.js';
import { OPEN_MODAL_ACTION } from './requestModal.js';
import { unavailableBlock } from './status.js';

const VALIDATION = {
  passed: ':white_check_mark: passed',
  failed: ':x: failed',
  unvalidated: ':grey_question: not validated',
};

/** How a service's versions read: from a bucket through CI, or a registry's numbers under an alias. */
export interface VersionWords {
  /** The environments an iteration's markers name; for a registry: its alias. */
  readonly reachable: readonly string[];
  /** The tag of the configured version (`configured on main`, `champion`). */
  readonly configured: string;
  /** A registry serves a version by its number: no CI resolution to show. */
  readonly registry: boolean;
}

export function versionWords(service: ServiceStatus['service']): VersionWords {
  const m = service.mlflow;
  return {
    reachable: m ? [m.alias] : service.environments.map((e) => e.name),
    configured: m && service.action === 'registry_alias' ? `:label: ${m.alias}` : ':memo: configured on main',
    registry: m !== undefined,
  };
}

export function versionParagraph(row: VersionRow, words: VersionWords, evidence?: EvidenceSet): Mrkdwn {
  const it = row.deploys;
  const tags = [
    ...row.servedBy.map((e) => `:satellite_antenna: serves ${e}`),
    ...(row.configured ? [words.configured] : []),
  ];
  const lines = [md`*${row.version}*${tags.length ? `  ${tags.join('  ')}` : ''}`];
  if (it) {
    const reached = words.reachable.filter((e) => it.reached[e]);
    const when = md`${it.model ? md` · ${date(it.model.lastModified, '{date_short}')}` : EMPTY}${evidenceLinks(evidence, row.version)}`;
    lines.push(
      words.registry
        ? md`registered${when}`
        : md`CI deploys ${code(it.name)}${row.iterationCount > 1 ? ` (newest of ${row.iterationCount})` : ''}${when}`,
      md`${VALIDATION[it.validation]} · reached ${reached.length ? reached.join(', ') : 'nothing yet'}`,
    );
  } else if (row.assessment.resolved) {
    lines.push(md`CI deploys ${code(row.assessment.resolved.directory)}: *not this version*`);
  }
  const back = row.rolledBack;
  if (back) {
    // What a marker or a tag says is outside text (anyone who can write the bucket): md escapes it.
    lines.push(
      md`:rewind: rolled back from${back.request ? md` by ${back.request}` : ''}${
        back.at ? md` · ${date(back.at, '{date_short}')}` : ''
      }${back.reason ? md` · ${back.reason}` : ''}`,
    );
  }
  const proof = evidenceLine(evidence, row.version, row.servedBy.length > 0);
  if (proof) lines.push(proof);
  lines.push(
    row.assessment.safe
      ? md`:large_green_circle: safe rollback target`
      : // A reason may name the live version, which comes from a healthcheck: md escapes it.
        md`:no_entry: not a target: ${row.assessment.reasons.map(describeReason).join('; ')}`,
  );
  return joinMd(lines, '\n');
}

/** Each safe target offers the request form, prefilled. */
function withRequestButton(block: Block, row: VersionRow, service: string): Block {
  if (!row.assessment.safe) return block;
  return {
    ...block,
    accessory: {
      type: 'button',
      action_id: OPEN_MODAL_ACTION,
      text: plain(`Roll back to ${row.version}`, 75),
      value: JSON.stringify({ service, version: row.version }),
    },
  } as Block;
}

export function versionsMessage(
  status: ServiceStatus,
  rows: readonly VersionRow[],
  count: number,
  evidence?: EvidenceSet,
) {
  const { service } = status;
  const shown = rows.slice(0, count);
  const total = Math.max(rows.length, versionCount(status));
  const words = versionWords(service);
  const source = service.mlflow
    ? md`MLflow model ${code(service.mlflow.model)}`
    : md`bucket ${code(service.bucket)}`;
  const unread = evidence?.problem ? [`metrics: ${evidence.problem}`] : [];
  const intro: Block[] = [
    header(`${service.name}: versions`),
    ...unavailableBlock([...status.unavailable, ...unread]),
  ];
  const footer = context(
    md`${shown.length} of ${total} versions, newest first · ${source}${
      status.catalog.ok ? md` listed ${date(status.catalog.value.listedAt, '{time}')}` : ''
    }${total > shown.length ? md` · more: ${code(`/rollback versions ${service.name} ${Math.min(50, total)}`)}` : ''}`,
  );
  const room = MAX_BLOCKS - intro.length - 1;
  const body =
    shown.length === 0
      ? unavailableBlock(status.catalog.ok ? ['no model iterations under this prefix'] : [])
      : shown.length <= room
        ? shown.map((r) => withRequestButton(section(versionParagraph(r, words, evidence)), r, service.name))
        : packSections(
            shown.map((r) => versionParagraph(r, words, evidence)),
            room,
          );
  const safe = shown.filter((r) => r.assessment.safe).map((r) => r.version);
  return message(md`${service.name}: ${shown.length} versions, safe targets: ${safe.join(', ') || 'none'}`, [
    ...intro,
    ...body,
    footer,
  ]);
}
