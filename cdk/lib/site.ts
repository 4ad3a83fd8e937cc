import * as fs from 'node:fs';
import { Construct } from 'constructs';
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { privateBucket } from './buckets';
import type { StageSettings } from './config';
import type { AuthConfig } from './identity';
import { acknowledge } from './nag';

export interface ChatSiteProps {
  readonly settings: StageSettings;
  /** The Vite build (`web/dist`); a placeholder page is deployed when it does not exist. */
  readonly webDistDir: string;
  /** `wss://…` URL written to `/config.json` for the web client. */
  readonly websocketUrl: string;
  /** `https://{api}.execute-api.{region}.amazonaws.com` origin the page may open sockets to. */
  readonly websocketHost: string;
  /** The user pool and web client the page signs in with, written to `/config.json` as `auth`. */
  readonly auth: AuthConfig;
  /** `https://cognito-idp.{region}.amazonaws.com`: the page calls Cognito for sign-up and sign-in. */
  readonly authEndpoint: string;
  readonly accessLogs: s3.IBucket;
}

export const PLACEHOLDER_INDEX_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chatastrophy</title></head>
<body><h1>Chatastrophy</h1><p>The web client has not been built yet: run <code>make web</code> (npm run build in web/) and deploy again.</p></body></html>
`;

/** The generated `/config.json` the web client reads at start-up. */
export interface SiteConfig {
  readonly websocketUrl: string;
  readonly auth: AuthConfig;
}

/**
 * The web client: a private S3 bucket read by CloudFront through Origin Access Control (no public
 * bucket, no website endpoint), security headers on every response, the Vite build plus a
 * generated `config.json` (`{"websocketUrl": "wss://…", "auth": {"region", "userPoolId",
 * "userPoolClientId"}}`) deployed with an invalidation.
 */
export class ChatSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly usesPlaceholder: boolean;

  constructor(scope: Construct, id: string, props: ChatSiteProps) {
    super(scope, id);
    const { settings } = props;

    this.bucket = privateBucket(this, 'Bucket', {
      settings,
      accessLogs: props.accessLogs,
      accessLogsPrefix: 's3/site/',
    });

    const s3RegionalHosts = `https://*.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`;
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Chatastrophy security headers (${Stack.of(this).stackName})`,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // Sockets only to this stack's API; sign-up and sign-in call Cognito's user pools
          // endpoint; media (profile pictures) is uploaded to and read from the media bucket
          // through presigned URLs on its regional S3 endpoint.
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            `img-src 'self' data: blob: ${s3RegionalHosts}`,
            `connect-src 'self' ${props.websocketHost} ${props.authEndpoint} ${s3RegionalHosts}`,
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Chatastrophy web client (${Stack.of(this).stackName})`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      // Single-page app: unknown paths serve index.html (S3 answers 403 for a missing key when
      // CloudFront may not list the bucket).
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(0),
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'cloudfront/',
    });
    acknowledge(
      this.distribution,
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'No custom domain yet: the default *.cloudfront.net certificate is used, whose viewer security policy CloudFront fixes (TLSv1); attach an ACM certificate with TLSv1.2_2021 when a domain is added.',
      },
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The chat is open to everyone; no geographic restriction is wanted.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static, read-only site behind CloudFront with no origin to attack (S3 via OAC, GET/HEAD only); a WAF web ACL (~$5+/month) is not justified for it yet.',
      },
    );

    // Content: hashed assets cache for a year, index.html and config.json are revalidated on every
    // load. The assets go first so a new index.html never points at files not yet uploaded.
    this.usesPlaceholder = !fs.existsSync(props.webDistDir);
    // CloudFormation tokens (API id, pool and client ids, region) are resolved at deploy time.
    const siteConfig: SiteConfig = {
      websocketUrl: props.websocketUrl,
      auth: {
        region: props.auth.region,
        userPoolId: props.auth.userPoolId,
        userPoolClientId: props.auth.userPoolClientId,
      },
    };
    const config = s3deploy.Source.jsonData('config.json', siteConfig);
    let assets: s3deploy.BucketDeployment | undefined;
    if (!this.usesPlaceholder) {
      assets = new s3deploy.BucketDeployment(this, 'DeployAssets', {
        sources: [s3deploy.Source.asset(props.webDistDir)],
        destinationBucket: this.bucket,
        exclude: ['index.html', 'config.json'],
        cacheControl: [
          s3deploy.CacheControl.setPublic(),
          s3deploy.CacheControl.maxAge(Duration.days(365)),
          s3deploy.CacheControl.immutable(),
        ],
        // Old hashed assets stay: browsers holding an older index.html still find them.
        prune: false,
      });
    }
    const entry = new s3deploy.BucketDeployment(this, 'DeployEntry', {
      sources: this.usesPlaceholder
        ? [s3deploy.Source.data('index.html', PLACEHOLDER_INDEX_HTML), config]
        : [s3deploy.Source.asset(props.webDistDir), config],
      destinationBucket: this.bucket,
      exclude: ['*'],
      include: ['index.html', 'config.json'],
      cacheControl: [s3deploy.CacheControl.noCache()],
      prune: false,
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    if (assets) entry.node.addDependency(assets);
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
