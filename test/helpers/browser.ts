/**
 * Drives the real `lovage ui` in a real browser: Debian's Chromium (installed by the project's
 * own script when missing) through playwright-core, headless, with a fresh profile each launch.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../scripts/lib/browser.js';
import { BIN } from './cli.js';

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A headless Chromium with a profile of its own (no cache, no cookies), removed on close. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = await ensureChromium((line) => console.log(`browser: ${line}`));
  const profile = mkdtempSync(join(tmpdir(), 'lovage-ui-profile-'));
  // launchPersistentContext passes the fresh profile as --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1280, height: 860 },
    reducedMotion: 'reduce',
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface UiProcess {
  /** The printed address, with its token. */
  readonly url: string;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `lovage ui --port 0 ...` as a user would and waits for the address it prints. */
export async function startUiProcess(
  args: readonly string[] = [],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<UiProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args, 'ui', '--port', '0'], {
    env: options.env ?? process.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`lovage ui printed no address: ${stderr}`)),
      120_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = /Lovage UI: (http\S+)/.exec(stdout);
      if (found?.[1]) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lovage ui exited ${code}: ${stderr}`));
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Presses Tab until the focused element's text or label is `name` (at most `max` presses), so a
 * test reaches a control the way a keyboard user does.
 */
export async function tabTo(page: Page, name: string | RegExp, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = page.locator(':focus');
    const label = (await focused.getAttribute('aria-label', { timeout: 1000 })) ?? '';
    const text = (await focused.textContent({ timeout: 1000 })) ?? '';
    const matches = (value: string) =>
      typeof name === 'string' ? value.trim() === name : name.test(value.trim());
    if (matches(label) || matches(text)) return;
  }
  throw new Error(`Tab never reached '${String(name)}'`);
}

/**
 * Text whose colour does not reach WCAG AA contrast on its background (4.5:1; 3:1 for large
 * text), for every visible element with text of its own on the page.
 */
export function lowContrast(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // This runs in the page; the test project's types have no DOM, so name what it uses.
    const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
    const parse = (c: string) => {
      const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c);
      return m
        ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])]
        : [0, 0, 0, 0];
    };
    const luminance = ([r, g, b]: number[]) => {
      const channel = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r ?? 0) + 0.7152 * channel(g ?? 0) + 0.0722 * channel(b ?? 0);
    };
    const background = (el: PageElement | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if ((bg[3] ?? 0) > 0.5) return bg;
      }
      return [255, 255, 255, 1];
    };
    const failures: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent?.trim());
      if (!own) continue;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (style.visibility === 'hidden' || box.width === 0 || box.height === 0) continue;
      if (el.closest('.visually-hidden, .skip, [aria-hidden="true"]')) continue;
      const fg = parse(style.color);
      const bg = background(el);
      const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x) as [number, number];
      const ratio = (a + 0.05) / (b + 0.05);
      const size = Number.parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) {
        failures.push(
          `${el.tagName.toLowerCase()} "${el.textContent?.trim().slice(0, 40)}": ${ratio.toFixed(2)}:1`,
        );
      }
    }
    return failures;
  });
}

/** The few browser objects {@link lowContrast} reads, typed for code that runs in the page. */
interface PageElement {
  readonly tagName: string;
  readonly textContent: string | null;
  readonly parentElement: PageElement | null;
  readonly childNodes: Iterable<{ readonly nodeType: number; readonly textContent: string | null }>;
  closest(selector: string): PageElement | null;
  getBoundingClientRect(): { readonly width: number; readonly height: number };
}
interface PageGlobals {
  readonly document: { querySelectorAll(selector: string): Iterable<PageElement> };
  getComputedStyle(el: PageElement): {
    readonly color: string;
    readonly backgroundColor: string;
    readonly visibility: string;
    readonly fontSize: string;
    readonly fontWeight: string;
  };
}
