import { useEffect } from 'react';
import { QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FieldlineApi, IpcChannel, IpcRequest, IpcResponse } from '../../src-shared/ipc/ipc-contract';
import { FieldlineError } from '../../src-shared/protocol/errors';

let bound: FieldlineApi | null = null;

export function bindApi(api: FieldlineApi): void {
  bound = api;
}

/** The renderer's only way out: window.fieldline, typed by the IPC contract. */
export function api(): FieldlineApi {
  if (!bound) throw new FieldlineError('SERVER_ERROR', 'The app bridge is missing');
  return bound;
}

export const queryClient = new QueryClient({
  defaultOptions: {
    // Local IPC: answers are fast and the main process tells us when data changes.
    queries: { retry: false, staleTime: Infinity, refetchOnWindowFocus: false },
    mutations: { retry: false },
  },
});

export function useIpc<C extends IpcChannel>(channel: C, request: IpcRequest<C>, options: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: [channel, request],
    queryFn: () => api().invoke(channel, request),
    enabled: options.enabled ?? true,
  });
}

export function useIpcMutation<C extends IpcChannel>(channel: C) {
  const client = useQueryClient();
  return useMutation<IpcResponse<C>, FieldlineError, IpcRequest<C>>({
    mutationFn: (request) => api().invoke(channel, request),
    onSettled: () => client.invalidateQueries(),
  });
}

/** Re-reads every view when the main process says data changed (a pull, a write, a sign-in). */
export function useDataChangedInvalidation(): void {
  const client = useQueryClient();
  useEffect(() => api().on('data.changed', () => void client.invalidateQueries()), [client]);
}

export function errorText(error: unknown): string {
  if (error instanceof FieldlineError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
