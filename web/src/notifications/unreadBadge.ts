// The unread count where the user sees it when the tab is in the background: the title
// ("(3) Chatastrophy") and a red badge drawn over the favicon. The plain icon comes back at zero.

export const APP_TITLE = 'Chatastrophy';

/** The badge's text: '' for none, the count up to 99, then '99+'. */
export function badgeText(count: number): string {
  if (!Number.isFinite(count) || count <= 0) return '';
  return count > 99 ? '99+' : String(Math.floor(count));
}

export function unreadTitle(count: number): string {
  const text = badgeText(count);
  return text ? `(${text}) ${APP_TITLE}` : APP_TITLE;
}

/** Draws the icon at `iconHref` with `text` in a badge; resolves with an image URL (a data: URL in the browser). */
export type BadgeRenderer = (iconHref: string, text: string) => Promise<string>;

/**
 * Keeps `<link rel="icon">` in step with the unread count: a badged copy of the app's icon, or the
 * icon itself at zero. Renders are asynchronous (the icon has to load): an older render finishing
 * after a newer count never wins.
 */
export class FaviconBadge {
  private readonly link: HTMLLinkElement | null;
  private readonly plainHref: string;
  private readonly plainType: string;
  /** The plain icon's absolute URL: what every badge is drawn on. */
  private readonly iconUrl: string;
  private generation = 0;
  private readonly cache = new Map<string, Promise<string>>();

  constructor(
    doc: Document,
    private readonly render: BadgeRenderer = renderBadgeOnCanvas,
  ) {
    this.link = doc.querySelector<HTMLLinkElement>('link[rel~="icon"]');
    this.plainHref = this.link?.getAttribute('href') ?? '';
    this.plainType = this.link?.getAttribute('type') ?? '';
    this.iconUrl = this.link?.href || this.plainHref;
  }

  /** Shows `count` on the icon; resolves once the link shows it (or a newer count took over). */
  async show(count: number): Promise<void> {
    const link = this.link;
    if (!link) return;
    const generation = ++this.generation;
    const text = badgeText(count);
    if (!text) {
      this.setIcon(this.plainHref, this.plainType);
      return;
    }
    let rendered = this.cache.get(text);
    if (!rendered) {
      rendered = this.render(this.iconUrl, text);
      this.cache.set(text, rendered);
    }
    let href: string;
    try {
      href = await rendered;
    } catch {
      this.cache.delete(text); // No canvas, or the icon did not load: the title still has the count.
      return;
    }
    if (generation === this.generation) this.setIcon(href, 'image/png');
  }

  /** Puts the plain icon back (sign-out, unmount). */
  reset(): void {
    this.generation++;
    if (this.link) this.setIcon(this.plainHref, this.plainType);
  }

  private setIcon(href: string, type: string): void {
    const link = this.link!;
    if (link.getAttribute('href') !== href) link.setAttribute('href', href);
    if (type) link.setAttribute('type', type);
    else link.removeAttribute('type');
  }
}

const ICON_SIZE = 64;

/** The browser's renderer: the icon on a 64×64 canvas, a red pill with white text at its top right. */
export const renderBadgeOnCanvas: BadgeRenderer = async (iconHref, text) => {
  const icon = new Image();
  icon.src = iconHref;
  await icon.decode();
  const canvas = document.createElement('canvas');
  canvas.width = ICON_SIZE;
  canvas.height = ICON_SIZE;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.drawImage(icon, 0, 0, ICON_SIZE, ICON_SIZE);
  // Large enough to read at 16 px: the badge covers the upper right ~60% of the icon.
  const height = 38;
  ctx.font = `bold ${text.length > 2 ? 26 : 30}px system-ui, sans-serif`;
  const width = Math.max(height, ctx.measureText(text).width + 14);
  const x = ICON_SIZE - width;
  ctx.fillStyle = '#dc2626';
  ctx.beginPath();
  ctx.roundRect(x, 0, width, height, height / 2);
  ctx.fill();
  ctx.fillStyle = '#ffffff';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x + width / 2, height / 2 + 1);
  return canvas.toDataURL('image/png');
};
