import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { bindApi, queryClient } from './api/fieldline';
import { createWebSocketBridge } from './bridge/websocket-bridge';
import { App } from './app/App';
import './styles/app.css';

// Under Electron the preload has set window.fieldline; in the browser shell the page's own
// origin serves the IPC socket.
const ipcUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ipc`;
bindApi(window.fieldline ?? createWebSocketBridge(ipcUrl));

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
}
