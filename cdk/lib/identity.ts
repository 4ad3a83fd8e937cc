import { Construct } from 'constructs';
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { AUTHORIZER_FUNCTION, functionDescription, type RustFunction, rustFunction } from './functions';
import type { LambdaArchitecture, StageSettings } from './config';
import { acknowledge } from './nag';

export interface ChatIdentityProps {
  readonly settings: StageSettings;
  /** Directory holding `authorizer/bootstrap` (cargo-lambda `--lambda-dir`). */
  readonly assetDir: string;
  /** Architecture the binaries were built for (default arm64). */
  readonly architecture?: LambdaArchitecture;
}

/**
 * Where API Gateway finds the token: browsers cannot set headers on a WebSocket, so the web client
 * offers it as a subprotocol (`new WebSocket(url, ['chatastrophy.v1', accessToken])`). A token in
 * the query string would land in access and execution logs.
 */
export const AUTHORIZER_IDENTITY_SOURCE = 'route.request.header.Sec-WebSocket-Protocol';

/** Environment variables of the authorizer (AWS_REGION is set by Lambda). */
export const USER_POOL_ID_ENV = 'USER_POOL_ID';
export const USER_POOL_CLIENT_ID_ENV = 'USER_POOL_CLIENT_ID';

/** Token lifetimes of the web client. */
export const TOKEN_VALIDITY = {
  access: Duration.hours(1),
  id: Duration.hours(1),
  refresh: Duration.days(30),
} as const;

/** What the web client needs to sign in (written to the site's `config.json` as `auth`). */
export interface AuthConfig {
  readonly region: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
}

/**
 * Who is who: a Cognito user pool (self sign-up with a username, e-mail verified by a code), the
 * web UI's public app client (SRP sign-in, no secret, no hosted UI), and the Rust `authorizer`
 * function that checks the pool's access token on `$connect`. API Gateway keeps the authorizer's
 * context (`sub`, `username`) with the connection and hands it to every later route as
 * `requestContext.authorizer`.
 */
export class ChatIdentity extends Construct {
  readonly userPool: cognito.UserPool;
  readonly webClient: cognito.UserPoolClient;
  /** The authorizer function, its role (logs only) and its log group. */
  readonly authorizer: RustFunction;
  /** Attach to the `$connect` route (WebSocket APIs take authorizers on `$connect` only). */
  readonly connectAuthorizer: WebSocketLambdaAuthorizer;

  constructor(scope: Construct, id: string, props: ChatIdentityProps) {
    super(scope, id);
    const { settings } = props;
    const stack = Stack.of(this);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `${stack.stackName}-users`,
      selfSignUpEnabled: true,
      // The username is the chat name, unique regardless of case like the chat's own rule
      // ("Alice" and "alice" are one user).
      signInAliases: { username: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      autoVerify: { email: true },
      // A changed e-mail address only replaces the old one once its code is confirmed.
      keepOriginal: { email: true },
      userVerification: {
        emailStyle: cognito.VerificationEmailStyle.CODE,
        emailSubject: 'Your Chatastrophy verification code',
        emailBody:
          'Welcome to Chatastrophy! Your verification code is {####}. ' +
          'Enter it on the sign-up page to confirm your e-mail address. ' +
          'If you did not sign up, ignore this e-mail.',
      },
      userInvitation: {
        emailSubject: 'Your Chatastrophy account',
        emailBody:
          'An administrator created a Chatastrophy account for you. Username: {username}. ' +
          'Temporary password: {####}. You will choose your own password at the first sign-in.',
      },
      passwordPolicy: {
        minLength: 8,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Recovery codes go to the verified e-mail address only: the pool sends no SMS at all.
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // Essentials, pinned: the plan AWS gives a new pool anyway, written down so the template
      // states the price tier. Unlike Lite it leaves room for e-mail MFA, passwordless sign-in and
      // password history; Plus (threat protection) is not worth its price yet (COG8 below).
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      email: cognito.UserPoolEmail.withCognito(),
      deletionProtection: settings.protectData,
      removalPolicy: settings.removalPolicy,
    });
    acknowledge(
      this.userPool,
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is OPTIONAL with TOTP authenticator apps: users of an open chat may turn it on, but requiring it would block sign-up for everyone without an authenticator app; SMS MFA is off (cost, SIM-swap risk).',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Essentials feature plan on purpose: Plus adds threat protection (compromised-credential detection, adaptive authentication) at a higher price per monthly active user; a chat whose accounts guard no payment data does not justify it yet, with a strong password policy and optional TOTP MFA in place. Revisit if account takeover or sign-up abuse appears.',
      },
    );

    this.webClient = this.userPool.addClient('WebClient', {
      userPoolClientName: 'web',
      // A browser cannot keep a secret.
      generateSecret: false,
      // No hosted UI: the web client has its own forms (otherwise CDK enables OAuth flows with an
      // example.com callback URL).
      disableOAuth: true,
      // SRP only: the password never leaves the browser. Refresh tokens are always allowed.
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      accessTokenValidity: TOKEN_VALIDITY.access,
      idTokenValidity: TOKEN_VALIDITY.id,
      refreshTokenValidity: TOKEN_VALIDITY.refresh,
      enableTokenRevocation: true,
      // The web client reads the e-mail address and may change it; nothing else.
      readAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true, emailVerified: true }),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
    });

    // The authorizer verifies the access token's signature (the pool's JWKS, fetched over HTTPS
    // once per container), issuer, `token_use` and `client_id`; it calls no AWS API, so its role
    // may only write its own logs.
    this.authorizer = rustFunction(this, {
      name: AUTHORIZER_FUNCTION.name,
      description: functionDescription(AUTHORIZER_FUNCTION),
      settings,
      assetDir: props.assetDir,
      architecture: props.architecture,
      environment: {
        [USER_POOL_ID_ENV]: this.userPool.userPoolId,
        [USER_POOL_CLIENT_ID_ENV]: this.webClient.userPoolClientId,
      },
    });

    // A REQUEST authorizer (WebSocket APIs take no other kind but IAM). Without the header API
    // Gateway answers 401 without invoking the function. CDK adds the Lambda permission for API
    // Gateway (source: this API's authorizer) when the authorizer is bound to the route.
    this.connectAuthorizer = new WebSocketLambdaAuthorizer('ConnectAuthorizer', this.authorizer.fn, {
      authorizerName: 'cognito-access-token',
      identitySource: [AUTHORIZER_IDENTITY_SOURCE],
    });
  }

  /** What the web client needs (CloudFormation tokens, resolved at deploy time). */
  get authConfig(): AuthConfig {
    return {
      region: Aws.REGION,
      userPoolId: this.userPool.userPoolId,
      userPoolClientId: this.webClient.userPoolClientId,
    };
  }

  /** The Cognito user pools endpoint the browser calls (`connect-src` of the site). */
  get endpoint(): string {
    return `https://cognito-idp.${Aws.REGION}.${Aws.URL_SUFFIX}`;
  }
}
