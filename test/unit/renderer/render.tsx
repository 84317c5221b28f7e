import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { Api } from '../../../renderer/src/api/client';
import { createAppStore } from '../../../renderer/src/store/app';
import { AppProvider } from '../../../renderer/src/store/context';
import { FakeTransport } from './fake-transport';

/** Renders a component inside the app's providers, backed by a fake transport. */
export function renderWithApp(ui: ReactElement, transport = new FakeTransport()) {
  const api = new Api(transport);
  const store = createAppStore(api);
  const result = render(
    <AppProvider api={api} store={store}>
      {ui}
    </AppProvider>,
  );
  return { ...result, transport, store, api };
}
