// What every browser suite does with the dashboard: sign in, wait for the table to settle, read it.

import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface SignInOptions {
  viewport?: { width: number; height: number };
  timezoneId?: string;
  /** Contexts the suite closes afterwards. */
  track?: BrowserContext[];
}

/** Opens a new browser context, signs in through the form and waits for the audit log. */
export async function signIn(browser: Browser, baseUrl: string, email: string, password: string, options: SignInOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    acceptDownloads: true,
    ...(options.timezoneId && { timezoneId: options.timezoneId }),
  });
  options.track?.push(context);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  return page;
}

/** Waits until the events table has settled: no request in flight, or an empty/error state shown. */
export const settled = (page: Page) => page.locator('table.events[aria-busy="false"], .status.empty, .field-error').first().waitFor();

/** The action column of the rows on screen. */
export const actionsShown = (page: Page) => page.locator('table.events tbody tr.row td:nth-child(4)').allTextContents();

/** Filters the log by one event type with the filter form and waits for the results. */
export async function filterByAction(page: Page, action: string): Promise<void> {
  await page.getByLabel('Event types').selectOption([action]);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(new RegExp(`action=${action.replaceAll('.', '\\.')}`));
  await settled(page);
}

/** Types a search-language query into the search box, submits it and waits for the results. */
export async function searchFor(page: Page, query: string): Promise<void> {
  const search = page.getByRole('searchbox', { name: 'Search' });
  await search.fill(query);
  await search.press('Enter');
  await page.waitForURL(/q=/);
  await settled(page);
}
