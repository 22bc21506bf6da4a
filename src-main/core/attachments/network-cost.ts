import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether the current network is paid by the byte (a cellular hotspot) — the product's "WiFi only". */
export type NetworkCost = 'unmetered' | 'metered' | 'unknown';

export interface NetworkCostProbe {
  current(): Promise<NetworkCost>;
}

export const fixedNetworkCost = (cost: NetworkCost): NetworkCostProbe => ({ current: async () => cost });

// Windows' own answer (the one its Settings → "metered connection" switch feeds).
const windowsScript =
  "[void][Windows.Networking.Connectivity.NetworkInformation,Windows.Networking.Connectivity,ContentType=WindowsRuntime];" +
  '$p=[Windows.Networking.Connectivity.NetworkInformation]::GetInternetConnectionProfile();' +
  "if ($p) { $p.GetConnectionCost().NetworkCostType } else { 'None' }";

async function windowsCost(): Promise<NetworkCost> {
  const { stdout } = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', windowsScript], { timeout: 10_000, windowsHide: true });
  const type = stdout.trim();
  if (type === 'Unrestricted') return 'unmetered';
  if (type === 'Fixed' || type === 'Variable') return 'metered';
  return 'unknown';
}

/** NetworkManager's Metered property: 1 yes, 3 guessed yes, 2 no, 4 guessed no, 0 unknown. */
async function networkManagerCost(): Promise<NetworkCost> {
  const { stdout } = await run('busctl', ['get-property', 'org.freedesktop.NetworkManager', '/org/freedesktop/NetworkManager', 'org.freedesktop.NetworkManager', 'Metered'], { timeout: 5_000 });
  const value = Number(stdout.trim().split(/\s+/)[1]);
  if (value === 1 || value === 3) return 'metered';
  if (value === 2 || value === 4) return 'unmetered';
  return 'unknown';
}

/**
 * The operating system's view of the network's cost, asked at most once a minute. Where the
 * system cannot tell, the answer is 'unknown' and uploads are not held back: a laptop whose OS
 * cannot say must not keep its photos forever.
 */
export function systemNetworkCost(platform: NodeJS.Platform = process.platform, now: () => number = Date.now): NetworkCostProbe {
  let cached: { at: number; cost: NetworkCost } | null = null;
  const ask = platform === 'win32' ? windowsCost : platform === 'linux' ? networkManagerCost : async (): Promise<NetworkCost> => 'unknown';
  return {
    async current() {
      if (cached && now() - cached.at < 60_000) return cached.cost;
      const cost = await ask().catch((): NetworkCost => 'unknown');
      cached = { at: now(), cost };
      return cost;
    },
  };
}
