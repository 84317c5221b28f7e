/** The web-contents hardening of docs/architecture.md decision 13, against injected fakes in tests. */
export interface WebContentsLike {
  on(event: 'will-navigate', listener: (event: { preventDefault(): void }, url: string) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  session: {
    setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
    setPermissionCheckHandler(handler: () => boolean): void;
    webRequest: { onBeforeRequest(listener: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void): void };
  };
}

const isAppUrl = (url: string): boolean => {
  try {
    const u = new URL(url);
    return u.protocol === 'app:' && u.host === 'renderer';
  } catch {
    return false;
  }
};

/** Links the UI may open in the user's browser (documentation, the cloud console); everything else is dropped. */
export const isExternalAllowed = (url: string): boolean => {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
};

/** The renderer has no network: it loads only app:// (and the inline data: images its CSP allows). */
export const isRendererRequestAllowed = (url: string): boolean => isAppUrl(url) || url.startsWith('data:') || url.startsWith('devtools:');

export function hardenWebContents(wc: WebContentsLike, openExternal: (url: string) => void): void {
  wc.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  wc.setWindowOpenHandler(({ url }) => {
    if (isExternalAllowed(url)) openExternal(url);
    return { action: 'deny' };
  });
  wc.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  wc.session.setPermissionCheckHandler(() => false);
  wc.session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isRendererRequestAllowed(details.url) }));
}
