// The environment of every git run in the tests, the demo and the benchmarks: an isolated HOME
// and no system git config (Debian's git-lfs package writes filter.lfs into /etc/gitconfig), so
// only what lfs-lazy and the caller configure applies; no prompts, no instance-metadata lookups.
export function isolatedGitEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    LANG: 'C.UTF-8',
    ...extra,
  };
}

// s3rver accepts these (it checks only the access key id).
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
