/** Amazon SNS as the alarm route needs it: a message whose signature and topic were checked. */

export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
  UnsubscribeURL?: string;
}

export type SnsVerdict =
  | { ok: true; message: SnsMessage }
  | { ok: false; status: 400 | 403 | 503; reason: string };

export interface SnsVerifier {
  verify(body: string): Promise<SnsVerdict>;
}
