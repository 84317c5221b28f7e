import { buildTray, type TrayCommand, type TrayIcon, type TrayState } from './menu.js';

/** The few Electron tray APIs we use, injected so the controller is tested with fakes. */
export interface TrayLike {
  setContextMenu(menu: unknown): void;
  setImage(image: unknown): void;
  setToolTip(text: string): void;
}
export type MenuTemplateItem = { type?: 'separator'; label?: string; enabled?: boolean; click?: () => void };
export interface MenuFactory {
  buildFromTemplate(template: MenuTemplateItem[]): unknown;
}

/** Thin adapter: renders a TrayView into the injected Tray and Menu; every change builds a new menu. */
export class TrayController {
  constructor(
    private readonly tray: TrayLike,
    private readonly menu: MenuFactory,
    private readonly icons: Record<TrayIcon, unknown>,
    private readonly dispatch: (command: TrayCommand) => void,
  ) {}

  render(state: TrayState): void {
    const view = buildTray(state);
    const template: MenuTemplateItem[] = view.entries.map((e) =>
      e.kind === 'separator'
        ? { type: 'separator' }
        : { label: e.label, enabled: e.enabled, ...(e.command ? { click: () => this.dispatch(e.command as TrayCommand) } : {}) },
    );
    this.tray.setContextMenu(this.menu.buildFromTemplate(template));
    this.tray.setImage(this.icons[view.icon]);
    this.tray.setToolTip(view.tooltip);
  }
}
