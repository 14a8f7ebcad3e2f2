import { describe, expect, it } from 'vitest';
import {
  type AlarmRoute,
  alarmNamesIn,
  parseCloudWatchAlarm,
  parseCloudWatchTime,
  serviceForAlarm,
} from '../../src/domain/alarm.js';
import { readFixture } from '../../world/fixtures.js';

const snsMessage = (name: string): string => (JSON.parse(readFixture(name)) as { Message: string }).Message;

function parsed(message: string) {
  const result = parseCloudWatchAlarm(message);
  if (!result.ok) throw new Error(`expected an alarm, got: ${result.problem}`);
  return result.alarm;
}

const mathAlarm = {
  AlarmName: 'fpo-search-production-error-rate',
  AlarmDescription: null,
  AWSAccountId: '111122223333',
  NewStateValue: 'ALARM',
  NewStateReason:
    'Threshold Crossed: 1 datapoint [12.5 (21/11/26 09:59:00)] was greater than the threshold (5.0).',
  StateChangeTime: '2026-11-21T11:15:00.000+0100',
  Region: 'EU (London)',
  OldStateValue: 'INSUFFICIENT_DATA',
  Trigger: {
    Period: 60,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 5.0,
    Metrics: [
      {
        Id: 'm1',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ApiGateway',
            MetricName: '5XXError',
            Dimensions: [{ value: 'fpo-search-production', name: 'ApiName' }],
          },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      {
        Id: 'm2',
        MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count' }, Period: 60, Stat: 'Sum' },
        ReturnData: false,
      },
      { Id: 'e1', Expression: 'm1/m2*100', Label: 'error rate', ReturnData: true },
    ],
  },
};

describe('parseCloudWatchAlarm', () => {
  it('reads the ALARM notification', () => {
    const alarm = parsed(snsMessage('sns-cloudwatch-alarm.json'));
    expect(alarm).toEqual({
      name: 'fpo-search-production-5xx',
      description: '5XX responses from the FPO search API above 5% for 3 minutes',
      state: 'ALARM',
      previousState: 'OK',
      reason: expect.stringMatching(/^Threshold Crossed: 3 out of the last 3 datapoints/),
      at: new Date('2026-11-21T10:00:12.345Z'),
      region: 'EU (London)',
      accountId: '111122223333',
      arn: 'arn:aws:cloudwatch:eu-west-2:111122223333:alarm:fpo-search-production-5xx',
      metric: 'AWS/ApiGateway 5XXError',
    });
    expect(alarm.at.toISOString()).toBe('2026-11-21T10:00:12.345Z');
  });

  it('reads the OK notification', () => {
    const alarm = parsed(snsMessage('sns-cloudwatch-ok.json'));
    expect(alarm.name).toBe('fpo-search-production-5xx');
    expect(alarm.state).toBe('OK');
    expect(alarm.previousState).toBe('ALARM');
    expect(alarm.reason).toContain('was not greater than the threshold');
    expect(alarm.at.toISOString()).toBe('2026-11-21T10:31:40.000Z');
    expect(alarm.metric).toBe('AWS/ApiGateway 5XXError');
  });

  it('describes a metric-math alarm by its returned expression', () => {
    const alarm = parsed(JSON.stringify(mathAlarm));
    expect(alarm.metric).toBe('expression: m1/m2*100');
    expect(alarm.state).toBe('ALARM');
    expect(alarm.previousState).toBe('INSUFFICIENT_DATA');
    expect(alarm.at.toISOString()).toBe('2026-11-21T10:15:00.000Z');
    expect(alarm).not.toHaveProperty('description');
    expect(alarm).not.toHaveProperty('arn');
  });

  it('falls back to the metric names when no expression is returned', () => {
    const metrics = mathAlarm.Trigger.Metrics.slice(0, 2).map((m) => ({ ...m, ReturnData: undefined }));
    const alarm = parsed(JSON.stringify({ ...mathAlarm, Trigger: { Metrics: metrics } }));
    expect(alarm.metric).toBe('AWS/ApiGateway 5XXError, AWS/ApiGateway Count');
    const returned = mathAlarm.Trigger.Metrics.slice(0, 2).map((m, i) => ({ ...m, ReturnData: i === 1 }));
    expect(parsed(JSON.stringify({ ...mathAlarm, Trigger: { Metrics: returned } })).metric).toBe(
      'AWS/ApiGateway Count',
    );
  });

  it('tolerates missing optional fields', () => {
    const alarm = parsed(
      JSON.stringify({
        AlarmName: 'bare',
        NewStateValue: 'INSUFFICIENT_DATA',
        StateChangeTime: '2026-11-21T10:00:00Z',
        Trigger: 'nonsense',
        Extra: { anything: true },
      }),
    );
    expect(alarm).toEqual({
      name: 'bare',
      state: 'INSUFFICIENT_DATA',
      reason: '',
      at: new Date('2026-11-21T10:00:00Z'),
    });
  });

  it.each([
    ['garbage', /not JSON/],
    ['', /not JSON/],
    ['[1,2]', /not a JSON object/],
    ['"ALARM"', /not a JSON object/],
    ['{"Records":[]}', /no AlarmName/],
    [JSON.stringify({ ...mathAlarm, AlarmName: undefined }), /no AlarmName/],
    [JSON.stringify({ ...mathAlarm, AlarmName: '  ' }), /no AlarmName/],
    [JSON.stringify({ ...mathAlarm, NewStateValue: 'ON_FIRE' }), /NewStateValue/],
    [JSON.stringify({ ...mathAlarm, StateChangeTime: undefined }), /no StateChangeTime/],
    [JSON.stringify({ ...mathAlarm, StateChangeTime: 'yesterday' }), /not a time/],
  ])('refuses %s', (message, problem) => {
    const result = parseCloudWatchAlarm(message);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem).toMatch(problem);
      expect(result.problem).toMatch(/\.$/);
    }
  });
});

describe('parseCloudWatchTime', () => {
  it.each([
    ['2026-11-21T10:00:12.345+0000', '2026-11-21T10:00:12.345Z'],
    ['2026-11-21T10:00:12.345+00:00', '2026-11-21T10:00:12.345Z'],
    ['2026-11-21T10:00:12Z', '2026-11-21T10:00:12.000Z'],
    ['2026-11-21T10:00:12.3456789-0530', '2026-11-21T15:30:12.345Z'],
    ['2026-01-01T00:30:00.000+0100', '2025-12-31T23:30:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseCloudWatchTime(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '2026-02-30T10:00:00.000+0000',
    '2026-11-21T25:00:00+0000',
    '2026-11-21T10:00:00',
    '21/11/26 10:00',
  ])('refuses %s', (text) => {
    expect(parseCloudWatchTime(text)).toBeUndefined();
  });
});

const routes: AlarmRoute[] = [
  { service: 'search', names: ['fpo-search-production-5xx'], patterns: [/^fpo-search-.*-latency$/] },
  { service: 'catch-all', names: [], patterns: [/^fpo-search-/g] },
  { service: 'classifier', names: ['classifier-p99 latency'], patterns: [/^classifier-/] },
];

describe('serviceForAlarm', () => {
  it('prefers an exact name over any pattern', () => {
    expect(serviceForAlarm('fpo-search-production-5xx', routes)).toBe('search');
    expect(serviceForAlarm('fpo-search-production-5xx', [...routes].reverse())).toBe('search');
  });

  it('uses the first matching pattern otherwise', () => {
    expect(serviceForAlarm('fpo-search-staging-latency', routes)).toBe('search');
    expect(serviceForAlarm('fpo-search-staging-4xx', routes)).toBe('catch-all');
    // A global pattern keeps no state between calls.
    expect(serviceForAlarm('fpo-search-staging-4xx', routes)).toBe('catch-all');
    expect(serviceForAlarm('classifier-memory', routes)).toBe('classifier');
    expect(serviceForAlarm('billing-5xx', routes)).toBeUndefined();
  });
});

describe('alarmNamesIn', () => {
  it('finds an exact name in a quoted alert', () => {
    expect(alarmNamesIn(':red_circle: ALARM: "fpo-search-production-5xx" in EU (London)', routes)).toEqual([
      { service: 'search', alarm: 'fpo-search-production-5xx' },
    ]);
  });

  it('finds names by pattern, each once, in order of mention', () => {
    const text =
      '*fpo-search-staging-latency* is firing, fpo-search-production-5xx too. ' +
      'Also fpo-search-staging-latency again and classifier-oom: see runbook.';
    expect(alarmNamesIn(text, routes)).toEqual([
      { service: 'search', alarm: 'fpo-search-staging-latency' },
      { service: 'search', alarm: 'fpo-search-production-5xx' },
      { service: 'classifier', alarm: 'classifier-oom' },
    ]);
  });

  it('matches exact names only as whole tokens', () => {
    expect(alarmNamesIn('old-fpo-search-production-5xx-canary fired', routes)).toEqual([]);
    expect(
      alarmNamesIn('see https://console.aws.amazon.com/alarm/fpo-search-production-5xx', routes),
    ).toEqual([]);
    expect(alarmNamesIn('OK: classifier-p99 latency recovered', routes)).toEqual([
      { service: 'classifier', alarm: 'classifier-p99 latency' },
    ]);
  });

  it('finds nothing in a message that names no configured alarm', () => {
    expect(
      alarmNamesIn(':large_green_circle: OK: "billing-api-5xx" in US East (N. Virginia)', routes),
    ).toEqual([]);
    expect(alarmNamesIn('', routes)).toEqual([]);
    expect(alarmNamesIn('fpo-search-production-5xx', [])).toEqual([]);
  });
});

describe('bounds on alarm text before patterns run', () => {
  it('runs patterns only on names CloudWatch could have (at most 255 characters)', () => {
    const longest = `fpo-search-${'x'.repeat(236)}-latency`;
    expect(longest).toHaveLength(255);
    expect(serviceForAlarm(longest, routes)).toBe('search');
    const long = `fpo-search-${'x'.repeat(250)}-latency`;
    expect(serviceForAlarm(long, routes)).toBeUndefined();
    expect(alarmNamesIn(`ALARM: ${long}`, routes)).toEqual([]);
  });

  it('reads an alert message up to 4000 characters', () => {
    const padding = 'lorem ipsum '.repeat(400);
    expect(alarmNamesIn(`ALARM fpo-search-staging-latency ${padding}`, routes)).toEqual([
      { service: 'search', alarm: 'fpo-search-staging-latency' },
    ]);
    expect(alarmNamesIn(`${padding} ALARM fpo-search-staging-latency`, routes)).toEqual([]);
  });
});
