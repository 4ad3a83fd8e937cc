import { Construct } from 'constructs';
import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { StageSettings } from './config';

export interface PrivateBucketProps extends Omit<s3.BucketProps,
  'blockPublicAccess' | 'enforceSSL' | 'encryption' | 'publicReadAccess' | 'removalPolicy' | 'autoDeleteObjects'> {
  readonly settings: StageSettings;
  /** Bucket receiving this bucket's S3 server access logs, under `accessLogsPrefix`. */
  readonly accessLogs?: s3.IBucket;
  readonly accessLogsPrefix?: string;
}

/**
 * A bucket with every public access blocked, TLS-only bucket policy and SSE-S3 encryption (which
 * CloudFront OAC reads without a KMS key policy). `dev` buckets are emptied and deleted with the
 * stack; `prod` buckets are kept.
 */
export function privateBucket(scope: Construct, id: string, props: PrivateBucketProps): s3.Bucket {
  const { settings, accessLogs, accessLogsPrefix, ...rest } = props;
  return new s3.Bucket(scope, id, {
    ...rest,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    publicReadAccess: false,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: accessLogs ? accessLogsPrefix ?? `s3/${id.toLowerCase()}/` : undefined,
    removalPolicy: settings.removalPolicy,
    autoDeleteObjects: !settings.protectData,
  });
}

/**
 * Receives S3 server access logs and CloudFront standard logs; expires them after 90 days. It does
 * not log its own access (that would loop); cdk-nag's S1 rule does not flag log destinations.
 */
export class AccessLogsBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: { readonly settings: StageSettings }) {
    super(scope, id);
    this.bucket = privateBucket(this, 'Bucket', {
      settings: props.settings,
      // CloudFront standard logging writes through ACLs (grant to its log-delivery account), so
      // this one bucket keeps ACLs enabled, with the bucket owner owning the log objects; public
      // access stays fully blocked.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [
        { expiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }
}
