import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { managedPolicySchema, type ManagedPolicy } from '../../../src-shared/policy/managed-policy';
import { describeZodIssues } from '../../../src-shared/protocol/errors';

export interface LoadedPolicy {
  policy: ManagedPolicy | null;
  path: string;
  /** Set when the file exists but is unusable: the app starts on defaults and shows this. */
  error: string | null;
}

/** Where IT puts the machine-wide policy file on each OS (README: IT deployment). */
export function policyFilePath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (env.FIELDLINE_POLICY_FILE) return env.FIELDLINE_POLICY_FILE;
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'Fieldline', 'policy.json');
  if (platform === 'darwin') return '/Library/Application Support/Fieldline/policy.json';
  return '/etc/fieldline/policy.json';
}

/** Reads the policy; a missing file is no policy, a bad one is an error to show — never a crash. */
export function loadPolicyFile(path: string = policyFilePath()): LoadedPolicy {
  if (!existsSync(path)) return { policy: null, path, error: null };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { policy: null, path, error: `The IT policy file ${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}); running on default settings. Tell IT.` };
  }
  const parsed = managedPolicySchema.safeParse(json);
  if (!parsed.success) {
    const issues = describeZodIssues(parsed.error).map((i) => `${i.path}: ${i.message}`).join('; ');
    return { policy: null, path, error: `The IT policy file ${path} is not valid (${issues}); running on default settings. Tell IT.` };
  }
  return { policy: parsed.data, path, error: null };
}
