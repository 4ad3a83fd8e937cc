import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { build, builtStage, contains, fakeWebDist, resources, type Built } from './helpers';

const id = (built: Built, construct: any) => built.stack.getLogicalId(construct.node.defaultChild);

describe('buckets are private', () => {
  for (const stage of ['dev', 'prod'] as const) {
    it(`${stage}: every bucket blocks public access, is encrypted and denies non-TLS requests`, () => {
      const built = builtStage(stage);
      const buckets = resources(built.template, 'AWS::S3::Bucket');
      assert.equal(Object.keys(buckets).length, 3, 'site, media, access logs');
      const policies = Object.values(resources(built.template, 'AWS::S3::BucketPolicy'));
      for (const [bucketId, bucket] of Object.entries(buckets)) {
        assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        assert.equal(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm, 'AES256');
        assert.equal(bucket.Properties.WebsiteConfiguration, undefined, 'no website endpoint');
        assert.equal(bucket.Properties.AccessControl, undefined);
        const policy = policies.find((p) => contains(p.Properties.Bucket, { Ref: bucketId }));
        assert.ok(policy, `${bucketId} has a bucket policy`);
        const statements = policy.Properties.PolicyDocument.Statement;
        assert.ok(statements.some((s: any) => s.Effect === 'Deny' && contains(s.Condition, { 'aws:SecureTransport': 'false' })), 'enforceSSL');
        for (const s of statements.filter((x: any) => x.Effect === 'Allow')) {
          assert.notDeepEqual(s.Principal, '*');
          assert.notDeepEqual(s.Principal, { AWS: '*' });
        }
      }
    });
  }

  it('prod buckets holding data are retained; dev buckets are emptied and deleted', () => {
    const prod = builtStage('prod');
    for (const bucket of Object.values(resources(prod.template, 'AWS::S3::Bucket'))) assert.equal(bucket.DeletionPolicy, 'Retain');
    prod.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    const dev = builtStage('dev');
    for (const bucket of Object.values(resources(dev.template, 'AWS::S3::Bucket'))) assert.equal(bucket.DeletionPolicy, 'Delete');
    dev.template.resourceCountIs('Custom::S3AutoDeleteObjects', 3);
  });
});

describe('site: CloudFront with Origin Access Control', () => {
  const built = builtStage('dev');
  const all = resources(built.template);
  const distributionId = id(built, built.stack.site.distribution);
  const distribution = all[distributionId].Properties.DistributionConfig;
  const siteBucketId = id(built, built.stack.site.bucket);

  it('the S3 origin is reached through an OAC (sigv4, always), not an OAI', () => {
    built.template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
    const oacs = Object.entries(resources(built.template, 'AWS::CloudFront::OriginAccessControl'));
    assert.equal(oacs.length, 1);
    const [oacId, oac] = oacs[0];
    assert.deepEqual(
      { ...oac.Properties.OriginAccessControlConfig, Name: undefined },
      { Name: undefined, OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    );
    assert.equal(distribution.Origins.length, 1);
    const origin = distribution.Origins[0];
    assert.deepEqual(origin.DomainName, { 'Fn::GetAtt': [siteBucketId, 'RegionalDomainName'] });
    assert.deepEqual(origin.OriginAccessControlId, { 'Fn::GetAtt': [oacId, 'Id'] });
    assert.equal(origin.S3OriginConfig.OriginAccessIdentity, '');
  });

  it('only this distribution may read the site bucket (s3:GetObject, SourceArn condition)', () => {
    const policy = Object.values(resources(built.template, 'AWS::S3::BucketPolicy')).find((p) =>
      contains(p.Properties.Bucket, { Ref: siteBucketId }),
    )!;
    const cloudfrontStatements = policy.Properties.PolicyDocument.Statement.filter((s: any) =>
      contains(s.Principal, { Service: 'cloudfront.amazonaws.com' }),
    );
    assert.equal(cloudfrontStatements.length, 1);
    assert.equal(cloudfrontStatements[0].Action, 's3:GetObject');
    assert.ok(contains(cloudfrontStatements[0].Condition.StringEquals['AWS:SourceArn'], { Ref: distributionId }));
  });

  it('HTTPS only, index.html as root and SPA fallback, security headers', () => {
    const behavior = distribution.DefaultCacheBehavior;
    assert.equal(behavior.ViewerProtocolPolicy, 'redirect-to-https');
    assert.deepEqual(behavior.AllowedMethods, ['GET', 'HEAD', 'OPTIONS']);
    assert.equal(distribution.DefaultRootObject, 'index.html');
    assert.deepEqual(distribution.CustomErrorResponses.map((r: any) => [r.ErrorCode, r.ResponseCode, r.ResponsePagePath]), [
      [403, 200, '/index.html'],
      [404, 200, '/index.html'],
    ]);
    const headersId = behavior.ResponseHeadersPolicyId.Ref;
    const headers = all[headersId].Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    assert.equal(headers.StrictTransportSecurity.AccessControlMaxAgeSec, 365 * 24 * 3600);
    assert.equal(headers.ContentTypeOptions.Override, true);
    assert.equal(headers.FrameOptions.FrameOption, 'DENY');
    assert.ok(headers.ReferrerPolicy.ReferrerPolicy);
    const csp = JSON.stringify(headers.ContentSecurityPolicy.ContentSecurityPolicy);
    assert.ok(csp.includes("default-src 'self'") && csp.includes('connect-src') && csp.includes('wss://'));
    assert.ok(csp.includes("frame-ancestors 'none'"));
  });

  it('CloudFront logs go to the access-log bucket', () => {
    const logsId = id(built, (built.stack.node.findChild('AccessLogs') as any).bucket);
    assert.deepEqual(distribution.Logging.Bucket, { 'Fn::GetAtt': [logsId, 'RegionalDomainName'] });
  });
});

describe('site content', () => {
  function deployments(built: Built) {
    return Object.entries(resources(built.template, 'Custom::CDKBucketDeployment'));
  }
  const websocketMarker = (built: Built) => ({ Ref: id(built, built.stack.webSocket.api) });

  it('without web/dist: one deployment with a placeholder index.html and the generated config.json', () => {
    const built = builtStage('dev');
    assert.equal(built.stack.site.usesPlaceholder, true);
    const list = deployments(built);
    assert.equal(list.length, 1);
    const p = list[0][1].Properties;
    assert.deepEqual(p.Include, ['index.html', 'config.json']);
    assert.equal(p.SystemMetadata['cache-control'], 'no-cache');
    assert.deepEqual(p.DistributionPaths, ['/*']);
    assert.deepEqual(p.DestinationBucketName, { Ref: id(built, built.stack.site.bucket) });
    // config.json is Source.jsonData with the API id resolved at deploy time.
    assert.ok(contains(p.SourceMarkers, websocketMarker(built)));
  });

  it('with web/dist: hashed assets (immutable) first, then index.html + config.json (no-cache) with invalidation', () => {
    const built = build('dev', { webDistDir: fakeWebDist() });
    assert.equal(built.stack.site.usesPlaceholder, false);
    const list = deployments(built);
    assert.equal(list.length, 2);
    const assets = list.find(([, d]) => d.Properties.DistributionId === undefined)!;
    const entry = list.find(([, d]) => d.Properties.DistributionId !== undefined)!;
    assert.deepEqual(assets[1].Properties.Exclude, ['index.html', 'config.json']);
    assert.match(assets[1].Properties.SystemMetadata['cache-control'], /immutable/);
    assert.deepEqual(entry[1].Properties.Include, ['index.html', 'config.json']);
    assert.ok(contains(entry[1].Properties.SourceMarkers, websocketMarker(built)));
    assert.ok(entry[1].DependsOn?.includes(assets[0]), 'index.html only after the assets it references');
  });
});

describe('media bucket', () => {
  for (const stage of ['dev', 'prod'] as const) {
    it(`${stage}: CORS for the site origin (PUT and GET: presigned PUT uploads, no POST) and lifecycle rules`, () => {
      const built = builtStage(stage);
      const media = resources(built.template)[id(built, built.stack.media.bucket)].Properties;
      assert.equal(media.CorsConfiguration.CorsRules.length, 1);
      const [rule] = media.CorsConfiguration.CorsRules;
      assert.deepEqual([...rule.AllowedMethods].sort(), ['GET', 'PUT']);
      const siteOrigin = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id(built, built.stack.site.distribution), 'DomainName'] }]] };
      assert.deepEqual(rule.AllowedOrigins, stage === 'dev' ? [siteOrigin, 'http://localhost:5173'] : [siteOrigin]);
      // Only the abort rule: media objects are kept (no expiry anywhere, no uploads/pending/ rule).
      assert.deepEqual(media.LifecycleConfiguration.Rules, [
        { Id: 'abort-incomplete-multipart-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
      ]);
      // Unversioned: the DeleteObject of a deleted message's attachment removes its bytes at once
      // (a versioned bucket would keep them as a noncurrent version, needing an expiry rule).
      assert.equal(media.VersioningConfiguration, undefined);
    });
  }

  it('only media-urls (avatars/ and attachments/ objects) and change-message (attachments/ objects) reference the media bucket', () => {
    const built = builtStage('dev');
    const mediaId = id(built, built.stack.media.bucket);
    const touching: string[] = [];
    for (const f of built.stack.functions.functions) {
      const roleId = id(built, f.role);
      const policies = Object.values(resources(built.template, 'AWS::IAM::Policy')).filter((p) => contains(p.Properties.Roles, { Ref: roleId }));
      if (!contains(policies, mediaId)) continue;
      touching.push(f.spec.name);
      const resourcesOnMedia = policies
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .flatMap((s: any) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
        .filter((r: unknown) => contains(r, mediaId));
      const byText = (x: unknown, y: unknown) => JSON.stringify(x).localeCompare(JSON.stringify(y));
      const prefixes = f.spec.name === 'change-message' ? ['/attachments/*'] : ['/avatars/*', '/attachments/*'];
      assert.deepEqual(
        resourcesOnMedia.sort(byText),
        prefixes.map((prefix) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [mediaId, 'Arn'] }, prefix]] })).sort(byText),
        f.spec.name,
      );
    }
    assert.deepEqual(touching.sort(), ['change-message', 'media-urls']);
  });
});
