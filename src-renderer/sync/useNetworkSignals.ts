import { useEffect } from 'react';
import { api } from '../api/fieldline';

/**
 * docs/keeping-work-safe.md: the operating system's word that a network is back (Wi-Fi joined, cable plugged
 * in) is a sync trigger. Its word that the network is gone is not taken: "offline" means the server
 * does not answer, which the sync worker's heartbeats find out for themselves.
 */
export function useNetworkSignals(signedIn: boolean): void {
  useEffect(() => {
    if (!signedIn) return;
    const online = () => void api().invoke('sync.now', {}).catch(() => undefined);
    window.addEventListener('online', online);
    return () => window.removeEventListener('online', online);
  }, [signedIn]);
}
