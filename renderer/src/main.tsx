import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Api } from './api/client';
import { tokenShare } from './api/token-share';
import { ipcTransport, type PreloadApi } from './api/transport';
import { xhrImageUpload, xhrProgramUpload } from './api/upload';
import { keepToken, takeToken, tokenFromFragment, wsTransport } from './api/ws';
import { App } from './App';
import { connectStore, createAppStore } from './store/app';
import { AppProvider } from './store/context';
import { bindRouter } from './store/route';
import './styles.css';

/** Inside Electron the preload bridge is there; in a browser the page talks to the agent that served it. */
async function connectApi(): Promise<{ api: Api; tokenInFragment: () => string | null; onToken: (token: string) => void }> {
  const preload = (window as unknown as { api?: PreloadApi }).api;
  if (preload) return { api: new Api(ipcTransport(preload)), tokenInFragment: () => null, onToken: () => undefined };
  const { location, sessionStorage, history } = window;
  let token = takeToken(location, sessionStorage, history);
  let open = false;
  let api: Api | null = null;
  const use = (t: string): void => {
    token = t;
    keepToken(sessionStorage, t);
    api?.reauth(t);
  };
  const share = tokenShare({ mine: () => (open ? token : null), adopt: (t) => (open ? undefined : use(t)) });
  // A tab opened from another one (middle-click on a vPLC) starts without a token: the open tabs lend theirs.
  if (!token) {
    const lent = await share.ask(700);
    if (lent) use(lent);
  }
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`;
  api = new Api({ ...wsTransport({ url, token: token ?? '' }), uploadImage: xhrImageUpload(location.origin, () => token ?? ''), uploadProgram: xhrProgramUpload(location.origin, () => token ?? '') });
  api.onState((s) => (open = s === 'open'));
  return {
    api,
    tokenInFragment: () => tokenFromFragment(location, sessionStorage, history),
    onToken: (t) => {
      use(t);
      share.announce(t);
    },
  };
}

const { api, tokenInFragment, onToken } = await connectApi();
const store = createAppStore(api);
connectStore(api, store);
bindRouter(store, window, tokenInFragment, onToken);

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <AppProvider api={api} store={store}>
        <App />
      </AppProvider>
    </StrictMode>,
  );
