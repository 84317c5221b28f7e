import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Api } from './api/client';
import { ipcTransport, type PreloadApi, type Transport } from './api/transport';
import { xhrImageUpload } from './api/upload';
import { takeToken, wsTransport } from './api/ws';
import { App } from './App';
import { connectStore, createAppStore } from './store/app';
import { AppProvider } from './store/context';
import './styles.css';

/** Inside Electron the preload bridge is there; in a browser the page talks to the agent that served it. */
function pickTransport(): Transport {
  const preload = (window as unknown as { api?: PreloadApi }).api;
  if (preload) return ipcTransport(preload);
  const token = takeToken(window.location, window.sessionStorage, window.history) ?? '';
  const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api`;
  return { ...wsTransport({ url, token }), uploadImage: xhrImageUpload(window.location.origin, token) };
}

const api = new Api(pickTransport());
const store = createAppStore(api);
connectStore(api, store);

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <AppProvider api={api} store={store}>
        <App />
      </AppProvider>
    </StrictMode>,
  );
