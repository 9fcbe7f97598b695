/** Renders command results as aligned text tables or as JSON (stable field names for scripts). */
import { basisPointsToPercent, HANDED_OVER_PHASE } from '../index.js';
import type { OutputFormat } from './args.js';
import type { CommandResult, FlagReport, FlagView, UnreadableFlag } from './commands.js';

export function render(result: CommandResult, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(jsonOf(result), null, 2)}\n`;
  switch (result.kind) {
    case 'list':
      return listTable(result.flags) + unreadableLines(result.unreadable);
    case 'report':
      return (
        (result.flags.length === 0 ? 'no flags\n' : result.flags.map(reportText).join('\n')) +
        unreadableLines(result.unreadable)
      );
    case 'write':
      return result.changed
        ? `${result.flag.flag}: ${summary(result.flag)} (version ${result.flag.version})\n`
        : `${result.flag.flag}: unchanged, ${summary(result.flag)} (version ${result.flag.version})\n`;
    case 'kill-switch':
      return `kill switch ${result.group}: ${result.active ? 'ACTIVE (flags in this group are off)' : 'cleared'}\n`;
    case 'hand-over':
      return (
        `${result.flag.flag}: handed over to FlagRollout ${result.to}, ${summary(result.flag)} ` +
        `(version ${result.flag.version})\n`
      );
    case 'evaluate':
      return table(
        ['USER', 'VALUE', 'REASON', 'BUCKET'],
        result.answers.map((a) => [
          a.user,
          a.value ? 'on' : 'off',
          a.reason,
          a.bucket === undefined ? '-' : String(a.bucket),
        ]),
      );
  }
}

function jsonOf(result: CommandResult): unknown {
  switch (result.kind) {
    case 'list':
      return { flags: result.flags, unreadable: result.unreadable };
    case 'report':
      return { flags: result.flags.map(reportJson), unreadable: result.unreadable };
    case 'write':
      return { changed: result.changed, flag: result.flag };
    case 'kill-switch':
      return { group: result.group, active: result.active };
    case 'hand-over':
      return { handedOverTo: result.to, flag: result.flag };
    case 'evaluate':
      return { flag: result.flag, answers: result.answers };
  }
}

/**
 * Steps are numbered from 1 everywhere an operator reads them (`kubectl get` STEP 2/5, status
 * messages, the table): the JSON's `step` is that number too, not the index the store keeps.
 */
function reportJson(f: FlagReport): unknown {
  const { rollout, staleRollout } = f;
  return {
    ...f,
    ...(rollout === null ? {} : { rollout: { ...rollout, step: rollout.step + 1 } }),
    ...(staleRollout === undefined
      ? {}
      : { staleRollout: { ...staleRollout, step: staleRollout.step + 1 } }),
  };
}

function listTable(flags: readonly FlagView[]): string {
  if (flags.length === 0) return 'no flags\n';
  return table(
    ['FLAG', 'ENABLED', 'PERCENT', 'TARGETS', 'KILL-SWITCH', 'VERSION', 'UPDATED-BY'],
    flags.map((f) => [
      f.flag,
      f.enabled ? 'yes' : 'no',
      `${f.percentage}%`,
      String(f.targets.length),
      killSwitchText(f),
      String(f.version),
      f.updatedBy || '-',
    ]),
  );
}

function reportText(f: FlagReport): string {
  const lines: [string, string][] = [
    ['Flag', f.flag],
    ['Enabled', f.enabled ? 'yes' : 'no (disabled: off for everyone)'],
    ['Percentage', `${f.percentage}% (${f.basisPoints} basis points)`],
    ['Salt', f.salt],
    [
      'Targeted users',
      f.targets.length === 0 ? 'none' : `${f.targets.length}: ${f.targets.join(', ')}`,
    ],
    ['Kill switch', killSwitchText(f)],
    ['Version', `${f.version} (updated ${f.updatedAt || '?'} by ${f.updatedBy || '?'})`],
  ];
  const { rollout } = f;
  if (f.owner === null) {
    lines.push(['Rollout', 'none (not driven by a FlagRollout)']);
  } else if (rollout === null) {
    lines.push(['Rollout', `${f.owner}: wrote the flag, published no rollout info`]);
  } else if (rollout.phase === HANDED_OVER_PHASE) {
    lines.push([
      'Rollout',
      `${rollout.owner}: handed over, takes the flag over at its next reconcile`,
    ]);
  } else {
    const next = rollout.nextStepAt === undefined ? '' : `, next step at ${rollout.nextStepAt}`;
    lines.push([
      'Rollout',
      `${rollout.owner}: phase ${rollout.phase}, step ${rollout.step + 1}/${rollout.stepCount}${next}`,
    ]);
    const analysis = rollout.lastAnalysis;
    lines.push([
      'Last analysis',
      analysis === undefined
        ? 'none yet'
        : `${analysis.verdict} at ${analysis.at}: ${analysis.summary}`,
    ]);
  }
  const stale = f.staleRollout;
  if (stale !== undefined) {
    lines.push([
      'Stale rollout',
      `${stale.owner} (phase ${stale.phase}, ${stale.updatedAt || '?'}): no longer manages the flag`,
    ]);
  }
  const width = Math.max(...lines.map(([label]) => label.length)) + 2;
  return lines.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}\n`).join('');
}

function summary(f: FlagView): string {
  const state = f.enabled ? 'enabled' : 'disabled';
  return `${state} at ${basisPointsToPercent(f.basisPoints)}%, ${f.targets.length} targeted, kill switch ${killSwitchText(f)}`;
}

function killSwitchText(f: FlagView): string {
  if (f.killSwitch === null) return 'none';
  return `${f.killSwitch.group} (${f.killSwitch.active ? 'ACTIVE' : 'inactive'})`;
}

function unreadableLines(unreadable: readonly UnreadableFlag[]): string {
  return unreadable
    .map((u) => `warning: flag ${u.flag} (version ${u.version}) is unreadable: ${u.problem}\n`)
    .join('');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  return line(header) + rows.map(line).join('');
}
