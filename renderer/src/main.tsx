import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Api } from './api/client';
import { ipcTransport, type PreloadApi, type Transport } from './api/transport';
import { takeToken, tokenFromFragment, wsTransport } from './api/ws';
import { App } from './App';
import { connectStore, createAppStore } from './store/app';
import { AppProvider } from './store/context';
import { bindRouter } from './store/route';
import './styles.css';

const preload = (window as unknown as { api?: PreloadApi }).api;

/** Inside Electron the preload bridge is there; in a browser the page talks to the agent that served it. */
function pickTransport(): Transport {
  if (preload) return ipcTransport(preload);
  const token = takeToken(window.location, window.sessionStorage, window.history) ?? '';
  const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api`;
  return wsTransport({ url, token });
}

const api = new Api(pickTransport());
const store = createAppStore(api);
connectStore(api, store);
bindRouter(store, window, () => (preload ? null : tokenFromFragment(window.location, window.sessionStorage, window.history)), (token) => api.reauth(token));

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <AppProvider api={api} store={store}>
        <App />
      </AppProvider>
    </StrictMode>,
  );
