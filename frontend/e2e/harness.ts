// Real local servers and Debian's Chromium for the end-to-end tests.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContextOptions, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";

export const ROOT = resolve(import.meta.dirname, "../..");
export const ARTIFACTS = resolve(import.meta.dirname, "artifacts");
const PYTHON = process.env.PYTHON ?? join(ROOT, ".venv/bin/python");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Without the background-networking flags Chromium keeps dialling out, which a closed network
// refuses; --headless etc. keep it quiet and reproducible.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface LocalServer {
  baseUrl: string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on("exit", () => running.forEach((child) => child.kill("SIGKILL")));

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => {
        if (typeof address === "object" && address) done(address.port);
        else fail(new Error("no free port"));
      });
    });
  });
}

async function waitUntilReady(baseUrl: string, child: ChildProcess, log: () => string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the local server exited with ${child.exitCode}:\n${log()}`);
    }
    try {
      if ((await fetch(`${baseUrl}/gallery?limit=1`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  throw new Error(`the local server did not answer within 30 s:\n${log()}`);
}

/** `backend/local_server.py` on a free port with its own data directory and the built-in
 * preview models, whatever .env or the shell say; `variables` add to or override that. */
export async function startServer(variables: Record<string, string> = {}): Promise<LocalServer> {
  if (!existsSync(join(ROOT, "frontend/dist/index.html"))) {
    throw new Error("frontend/dist is missing: run `npm run build` (make test does) first");
  }
  if (!existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing: run \`make test\` once to create the venv`);
  }
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), "pixel-prompt-e2e-"));
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(PYTHON, ["backend/local_server.py", "--no-dotenv"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: dataDir,
      PUBLIC_BASE_URL: baseUrl,
      GLOBAL_LIMIT: "100000",
      IP_LIMIT: "100000",
      ...variables,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(baseUrl, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, stop };
}

function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (make test does)`);
  }
  // launch() gives every browser a fresh temporary profile.
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** The pages a test file opened and what went wrong in them: after each test the pages are
 * closed and no problem is expected. */
interface Watched {
  pages: Page[];
  problems: string[];
}

/** A page in a context of its own, at `url`. An uncaught exception, or a console error or
 * warning (the browser's own line for an expected 4xx answer aside), is a problem. */
async function openPage(
  browser: Browser,
  url: string,
  watched: Watched,
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  watched.pages.push(page);
  page.on("pageerror", (error) => watched.problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    const quiet = message.type() !== "error" && message.type() !== "warning";
    if (!quiet && !message.text().startsWith("Failed to load resource")) {
      watched.problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  await page.goto(url);
  return page;
}

/** What a test file shares: one local server (started with `variables`, then `ready`), and
 * `open`, which opens pages in one browser. */
export interface Session {
  readonly server: LocalServer;
  /** A page in a context of its own (`options`), watched for problems. */
  open(url: string, options?: BrowserContextOptions): Promise<Page>;
}

/** The session of a test file, with the hooks every file needs: browser and server started
 * before its tests and stopped after them; after each test, its pages closed and any problem
 * in them (an uncaught exception, a console error or warning) a failure. Call it at the top
 * of the file. */
export function sharedSession(
  variables: Record<string, string> = {},
  ready: (server: LocalServer) => Promise<void> = async () => {},
): Session {
  const watched: Watched = { pages: [], problems: [] };
  let browser: Browser | undefined;
  let server: LocalServer | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the session is used before beforeAll ran");
    return value;
  };
  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(), startServer(variables)]);
    await ready(server);
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(watched.pages.splice(0).map((page) => page.context().close()));
    expect(watched.problems.splice(0)).toEqual([]);
  });
  return {
    get server() {
      return started(server);
    },
    open: (url, options = {}) => openPage(started(browser), url, watched, options),
  };
}
