#!/usr/bin/env node
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppContext } from '../lib/config';
import { ChatastrophyStack } from '../lib/chatastrophy-stack';

// Context: -c stage=dev|prod (default dev), -c lambdaAssetDir=<dir> (default ../target/lambda-arm64),
// -c webDistDir=<dir> (default ../web/dist), -c alarmEmail=<address>,
// -c apiGatewayCloudWatchRole=false (account already has an API Gateway logging role),
// -c architecture=arm64|x86_64 (default arm64; x86_64 for `make build ARCH=x86-64` binaries).
const app = new App();
const ctx = readAppContext(app.node);

// Environment-agnostic: the region and account come from the credentials at deploy time, so the
// template synthesizes offline and the same template fits any region.
const stack = new ChatastrophyStack(app, `Chatastrophy-${ctx.stage}`, {
  description: `Chatastrophy serverless chat (${ctx.stage})`,
  stage: ctx.stage,
  lambdaAssetDir: ctx.lambdaAssetDir,
  webDistDir: ctx.webDistDir,
  alarmEmail: ctx.alarmEmail,
  apiGatewayCloudWatchRole: ctx.apiGatewayCloudWatchRole,
  architecture: ctx.architecture,
});
Tags.of(stack).add('project', 'chatastrophy');
Tags.of(stack).add('stage', ctx.stage);

// cdk-nag (v3: a CDK policy-validation plugin, the successor of v2's Aspect): every finding not
// acknowledged with a reason (Validations.of(construct).acknowledge) fails `cdk synth`. The
// reasons are also written into the template metadata (cdk_nag.rules_to_suppress) for audits.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }));
