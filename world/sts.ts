/**
 * A local AWS STS answering `AssumeRole` for the real SDK (`fromTemporaryCredentials` of
 * `@aws-sdk/credential-providers`), pointed at with `AWS_ENDPOINT_URL_STS` or the STS client's `endpoint`.
 *
 * STS speaks the Query protocol: a form-encoded POST (`Action=AssumeRole&Version=2011-06-15&RoleArn=…`)
 * answered with XML in STS's namespace. The answer has the real shape of `AssumeRoleResponse` (STS API
 * reference, AssumeRole: `AssumeRoleResult` with `Credentials` — AccessKeyId, SecretAccessKey,
 * SessionToken, Expiration — and `AssumedRoleUser`, then `ResponseMetadata`), and a refusal the real shape
 * of an `ErrorResponse` (HTTP 403, `Error` with Type, Code `AccessDenied`, Message). Signatures are not
 * checked: any caller credentials are accepted, as s3rver accepts any signature.
 *
 * A role it was not told of is refused as STS refuses a role whose trust policy does not name the
 * caller. Each issued key pair is handed to `onIssued` (e.g. so the local S3 accepts it), and the calls
 * are counted and kept (without secrets) for tests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { startHttpServer } from './http.js';

export interface IssuedCredentials {
  readonly roleArn: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface AssumeRoleCall {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly durationSeconds?: number;
  /** The caller's access key (from its signature), as STS sees who asks. */
  readonly callerAccessKeyId?: string;
  /** The region the caller signed for (its credential scope). */
  readonly signedRegion?: string;
  readonly granted: boolean;
}

export interface FakeSts {
  /** Endpoint for the STS client (`endpoint`, or `AWS_ENDPOINT_URL_STS`). */
  readonly url: string;
  /** AssumeRole calls so far, in order. */
  readonly calls: readonly AssumeRoleCall[];
  /** How many AssumeRole calls were answered (granted or refused). */
  assumeRoleCount(): number;
  /** Credentials issued from now on expire this many seconds after they are issued. */
  setExpiresInSeconds(seconds: number): void;
  close(): Promise<void>;
}

export interface StartFakeStsOptions {
  /** Role ARNs whose trust policy names the caller; any other is refused with AccessDenied. */
  readonly roles: readonly string[];
  /** Default: the DurationSeconds asked for, else 3600 (STS's default). */
  readonly expiresInSeconds?: number;
  readonly onIssued?: (credentials: IssuedCredentials) => void;
  /** The caller as STS names it in a refusal. */
  readonly callerArn?: string;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const xmlText = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** `Credential=AKID/20260101/eu-west-1/sts/aws4_request` of a SigV4 Authorization header. */
function signer(authorization: string | undefined): { accessKeyId?: string; region?: string } {
  const scope = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\//.exec(authorization ?? '');
  return scope ? { accessKeyId: scope[1], region: scope[2] } : {};
}

const randomKey = (prefix: string, length: number): string =>
  (prefix + randomBytes(length).toString('hex').toUpperCase()).slice(0, length);

export async function startFakeSts(options: StartFakeStsOptions): Promise<FakeSts> {
  const calls: AssumeRoleCall[] = [];
  let expiresInSeconds = options.expiresInSeconds;
  const callerArn = options.callerArn ?? 'arn:aws:iam::111111111111:user/rollback-bot';

  const server = await startHttpServer((req, res, body) => {
    const form = new URLSearchParams(body.toString('utf8'));
    const send = (status: number, xml: string) => {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
    };
    const error = (status: number, type: string, code: string, message: string) =>
      send(
        status,
        `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlText(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    if (req.method !== 'POST' || form.get('Action') !== 'AssumeRole') {
      return error(400, 'Sender', 'InvalidAction', `Could not find operation ${form.get('Action')}`);
    }
    const roleArn = form.get('RoleArn') ?? '';
    const roleSessionName = form.get('RoleSessionName') ?? '';
    const duration = form.get('DurationSeconds');
    const durationSeconds = duration ? Number(duration) : undefined;
    const who = signer(req.headers.authorization);
    const granted = options.roles.includes(roleArn);
    calls.push({
      roleArn,
      roleSessionName,
      durationSeconds,
      callerAccessKeyId: who.accessKeyId,
      signedRegion: who.region,
      granted,
    });
    if (!granted) {
      return error(
        403,
        'Sender',
        'AccessDenied',
        `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
    const issued: IssuedCredentials = {
      roleArn,
      accessKeyId: randomKey('ASIA', 20),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
      // Whole seconds, as STS writes them.
      expiration: new Date(
        Math.floor(Date.now() / 1000) * 1000 + (expiresInSeconds ?? durationSeconds ?? 3600) * 1000,
      ),
    };
    options.onIssued?.(issued);
    const [, partition = 'aws', account = '000000000000', path = ''] =
      /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(.+)$/.exec(roleArn) ?? [];
    const roleName = path.split('/').pop() ?? path;
    const roleId = `AROA${randomKey('', 17)}`;
    send(
      200,
      `<AssumeRoleResponse xmlns="${NS}">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>${roleId}:${xmlText(roleSessionName)}</AssumedRoleId>
      <Arn>arn:${partition}:sts::${account}:assumed-role/${xmlText(roleName)}/${xmlText(roleSessionName)}</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${issued.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${xmlText(issued.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${xmlText(issued.sessionToken)}</SessionToken>
      <Expiration>${issued.expiration.toISOString().replace('.000Z', 'Z')}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>`,
    );
  });

  return {
    url: server.url,
    calls,
    assumeRoleCount: () => calls.length,
    setExpiresInSeconds(seconds) {
      expiresInSeconds = seconds;
    },
    close: () => server.close(),
  };
}
