/**
 * SNS as the local world signs it: notifications signed with the test key (world/fixtures), and the
 * certificate fetcher a bot in this world is given, which answers only the matching test certificate.
 */
import { type AlarmState, sendSnsAlarm, snsAlarm } from './alarms.js';
import { signSns, testCertificateFetcher, testCertPem } from './snsSign.js';

export interface LocalSns {
  readonly certificatePem: string;
  /** For the bot's `sns.fetchCertificate`; `calls` lists the certificate URLs it asked for. */
  readonly certificates: { fetch: (url: string) => Promise<string>; calls: string[] };
  readonly sign: typeof signSns;
  /** The fixture CloudWatch alarm (or its return to OK), signed, as SNS would deliver it now. */
  alarm(state: AlarmState, at?: Date): Record<string, unknown>;
  /** Posts that alarm to a bot's `/alerts/sns`; resolves with the HTTP status. */
  sendAlarm(botUrl: string, state: AlarmState): Promise<number>;
}

export function localSns(): LocalSns {
  return {
    certificatePem: testCertPem,
    certificates: testCertificateFetcher(),
    sign: signSns,
    alarm: snsAlarm,
    sendAlarm: sendSnsAlarm,
  };
}
