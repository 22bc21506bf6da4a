import { app } from 'electron';
import electronUpdater from 'electron-updater';
import type { Logger } from 'pino';
import type { PolicyView } from '../../src-shared/policy/managed-policy';

const checkEveryMs = 4 * 60 * 60 * 1000;

/**
 * Auto-update from the generic feed in electron-builder.yml, or the one IT names in the policy.
 * electron-updater checks the download's hash and, on Windows, that it is signed by the same
 * publisher as the installed app before installing; IT can turn it off or pin a channel.
 */
export function startUpdates(policy: PolicyView, logger: Logger): void {
  if (!app.isPackaged) return;
  if (!policy.updates.enabled) {
    logger.info('updates turned off by IT policy');
    return;
  }
  const { autoUpdater } = electronUpdater;
  if (policy.updates.feedUrl) autoUpdater.setFeedURL({ provider: 'generic', url: policy.updates.feedUrl, channel: policy.updates.channel });
  autoUpdater.channel = policy.updates.channel;
  autoUpdater.allowDowngrade = false;
  autoUpdater.autoInstallOnAppQuit = true;
  autoUpdater.logger = {
    info: (message: unknown) => logger.info({ component: 'updater' }, String(message)),
    warn: (message: unknown) => logger.warn({ component: 'updater' }, String(message)),
    error: (message: unknown) => logger.error({ component: 'updater' }, String(message)),
  };
  const check = () => autoUpdater.checkForUpdatesAndNotify().catch((error: unknown) => logger.warn({ err: error }, 'update check failed'));
  void check();
  setInterval(() => void check(), checkEveryMs).unref();
}
