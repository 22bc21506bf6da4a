import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { logFileOf } from '../diagnostics/diagnostics-export';
import { IpcRouter } from '../ipc/ipc-router';
import { loadPolicyFile } from '../settings/policy-file';
import type { SecretStore } from '../secrets/secret-store';
import { ClientCore, type ClientCoreOptions } from '../session/client-core';

export interface DesktopCoreOptions {
  profileDir: string;
  secrets: SecretStore;
  versions: Record<string, string>;
  logLevel?: string;
  settingsBackend?: ClientCoreOptions['settingsBackend'];
  /** Where IT's policy file is; default: the documented path for this OS. */
  policyFile?: string;
}

export interface DesktopCore {
  core: ClientCore;
  router: IpcRouter;
  logger: Logger;
}

const maxLogBytes = 5 * 1024 * 1024;

/**
 * The client as the desktop app runs it, under Electron or in the browser shell: structured logs
 * to stdout and to the profile's log file (diagnostics export reads it), the sync worker in its
 * own thread, and the IPC router in front. Resumes a signed-in user's session.
 */
export async function startDesktopCore(options: DesktopCoreOptions): Promise<DesktopCore> {
  const logFile = logFileOf(options.profileDir);
  mkdirSync(dirname(logFile), { recursive: true });
  // One generation of history is enough for a diagnostics export; the log never grows without bound.
  if (existsSync(logFile) && statSync(logFile).size > maxLogBytes) renameSync(logFile, `${logFile}.1`);
  const level = options.logLevel ?? process.env.LOG_LEVEL ?? 'info';
  const logger = pino({ level, name: 'fieldline' }, pino.multistream([{ level, stream: process.stdout }, { level, stream: pino.destination({ dest: logFile, append: true, mkdir: true }) }]));
  const policy = loadPolicyFile(options.policyFile);
  if (policy.error) logger.error({ policyFile: policy.path }, policy.error);
  else if (policy.policy) logger.info({ policyFile: policy.path }, 'IT policy applied');
  const core = new ClientCore({
    policy,
    profileDir: options.profileDir,
    secrets: options.secrets,
    logger,
    syncInWorkerThread: true,
    ...(options.settingsBackend ? { settingsBackend: options.settingsBackend } : {}),
  });
  const router = new IpcRouter({ core, logger, versions: options.versions });
  await router.start();
  return { core, router, logger };
}
