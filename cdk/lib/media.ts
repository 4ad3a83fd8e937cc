import { Construct } from 'constructs';
import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { privateBucket } from './buckets';
import type { StageSettings } from './config';

export interface ChatMediaProps {
  readonly settings: StageSettings;
  /** Origins allowed to PUT/GET with presigned URLs (the site, plus dev-only extras). */
  readonly allowedOrigins: string[];
  readonly accessLogs: s3.IBucket;
}

/**
 * Private bucket for user media: profile pictures (`avatars/…`) and message attachments
 * (`attachments/…`, see `MEDIA_KEY_PREFIXES` in functions.ts and docs/protocol.md). Browsers never
 * reach it without a presigned URL: the `media-urls` function signs a single-object PUT (key, type
 * and size fixed by the signature) for `getUploadUrl` and GETs for `getDownloadUrl`, with its
 * role's narrow object permissions. So the bucket needs CORS for the site's origin (PUT and GET only: there is no
 * presigned POST upload) but no public access. Abandoned multipart uploads are aborted after a day.
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
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }
}
