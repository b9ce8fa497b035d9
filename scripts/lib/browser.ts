/**
 * The browser the UI's integration tests drive: Debian's `chromium` package (a distribution
 * build, updated with the system), driven through `playwright-core`, which downloads no
 * browser of its own. Nothing here fetches a browser from anywhere but the system's apt.
 */
import { LovageError } from '../../src/errors.js';
import { aptInstall, executable } from './apt.js';

/** Where Debian's package puts the browser; `LOVAGE_CHROMIUM` names another one. */
export const CHROMIUM_PATH = process.env.LOVAGE_CHROMIUM ?? '/usr/bin/chromium';

export class BrowserInstallError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'BrowserInstallError';
  }
}

/**
 * Resolves with the path of an installed Chromium. When there is none and this process runs
 * as root on a Debian-like system, installs the `chromium` package with apt-get; otherwise
 * throws with the command to run.
 */
export async function ensureChromium(log: (message: string) => void = () => {}): Promise<string> {
  if (executable(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const how = 'sudo apt-get install -y chromium (Debian/Ubuntu), or set LOVAGE_CHROMIUM';
  if (process.env.LOVAGE_CHROMIUM) {
    throw new BrowserInstallError(`LOVAGE_CHROMIUM (${CHROMIUM_PATH}) is not an executable`);
  }
  const failed = await aptInstall('chromium', log);
  if (failed || !executable(CHROMIUM_PATH)) {
    throw new BrowserInstallError(
      `no Chromium at ${CHROMIUM_PATH} (${failed ?? 'apt-get installed none there'}); ${how}`,
    );
  }
  return CHROMIUM_PATH;
}

/**
 * Flags for a headless run that talks to nothing but the page it is given: no sandbox (the
 * tests run as root), no GPU, no background traffic, updates or sync. The profile is a fresh
 * directory every launch, given to playwright-core's launchPersistentContext, which passes it
 * as --user-data-dir.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
