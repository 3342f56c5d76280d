// Says where the AWS SDK will find credentials, in the order of its default chain, without
// reading or printing any secret: only variable names, profile names and file paths.
export function describeCredentialSource(env: NodeJS.ProcessEnv, profileSetting?: string): string {
  if (env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']) {
    const withToken = env['AWS_SESSION_TOKEN'] ? ' + AWS_SESSION_TOKEN' : '';
    return `environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY${withToken})`;
  }
  const profile = profileSetting ?? env['AWS_PROFILE'];
  const files = `${env['AWS_SHARED_CREDENTIALS_FILE'] ?? '~/.aws/credentials'}, ${env['AWS_CONFIG_FILE'] ?? '~/.aws/config'}`;
  if (profile) return `profile "${profile}" (${files}; SSO and credential_process allowed)`;
  if (env['AWS_WEB_IDENTITY_TOKEN_FILE']) return 'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)';
  if (env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] || env['AWS_CONTAINER_CREDENTIALS_FULL_URI']) return 'container credentials endpoint';
  return `default profile (${files}), else instance metadata`;
}
