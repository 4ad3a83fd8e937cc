import { Construct } from 'constructs';
import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { privateBucket } from './buckets';
import type { StageSettings } from './config';

export interface ChatMediaProps {
  readonly settings: StageSettings;
  /** Origins allowed to PUT/POST/GET with presigned URLs (the site, plus dev-only extras). */
  readonly allowedOrigins: string[];
  readonly accessLogs: s3.IBucket;
}

/** Key prefix of uploads that no message references yet; they expire after a day. */
export const PENDING_UPLOADS_PREFIX = 'uploads/pending/';

/**
 * Private bucket for user media (profile pictures). Browsers upload and read it with presigned
 * URLs only (a later issue adds the function that signs them), so it needs CORS for the site's
 * origin but no public access. Abandoned multipart uploads are aborted, and uploads left under
 * `uploads/pending/` (never confirmed) expire after one day.
 */
export class ChatMedia extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ChatMediaProps) {
    super(scope, id);
    this.bucket = privateBucket(this, 'Bucket', {
      settings: props.settings,
      accessLogs: props.accessLogs,
      accessLogsPrefix: 's3/media/',
      cors: [
        {
          allowedOrigins: props.allowedOrigins,
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'expire-pending-uploads', prefix: PENDING_UPLOADS_PREFIX, expiration: Duration.days(1) },
      ],
    });
  }
}
