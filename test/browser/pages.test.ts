import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { startServer } from '../server-process.js';

// Debian's chromium, driven by playwright-core: no browser download. `.ci/run` installs it when missing.
const executablePath = '/usr/bin/chromium';
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const outputDir = new URL('../../test-output/', import.meta.url).pathname;

t.setTimeout(240_000);

interface Watched {
  page: Page;
  requests: string[];
  errors: string[];
}

/** A page that records every request it makes and every console error or uncaught exception. */
async function watchedPage(context: BrowserContext): Promise<Watched> {
  const page = await context.newPage();
  const watched: Watched = { page, requests: [], errors: [] };
  page.on('request', (request) => watched.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') watched.errors.push(message.text());
  });
  page.on('pageerror', (error) => watched.errors.push(error.message));
  return watched;
}

function assertSelfContained(t: Test, watched: Watched, origin: string) {
  t.same(watched.errors, [], 'no console errors');
  t.ok(watched.requests.length > 0, `${watched.requests.length} requests recorded`);
  t.same(
    watched.requests.filter((url) => !url.startsWith(`${origin}/`)),
    [],
    'no request outside 127.0.0.1',
  );
}

t.test('the docs page and the demo in a real browser', { skip: existsSync(executablePath) ? false : `${executablePath} is missing: apt-get install chromium` }, async (t) => {
  const server = await startServer({ DATABASE_URL: 'file::memory:' });
  t.teardown(() => server.stop());
  const profile = mkdtempSync(join(tmpdir(), 'khabar-chromium-'));
  t.teardown(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, { executablePath, args, headless: true, locale: 'ar' });
  t.teardown(() => context.close());
  const contract = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string; tags?: string[] }>> };

  await t.test('/docs lists every operation, a GET "try it out" succeeds, Arabic text is laid out by its direction', async (t) => {
    const docs = await watchedPage(context);
    const { page } = docs;
    await page.goto(`${server.url}/docs/`);
    await page.locator('.opblock').first().waitFor();
    // The page lists an operation under each of its tags: a revision operation under every resource's.
    const expected = Object.values(contract.paths)
      .flatMap((item) => Object.values(item).flatMap((op) => (op.tags ?? ['default']).map(() => op.operationId)))
      .sort();
    const listed = await page.locator('.opblock').evaluateAll((blocks) => blocks.map((b) => b.id.replace(/^operations-[^-]+-/, '')));
    t.same(listed.sort(), expected, `all ${expected.length} operations are listed`);

    const operation = page.locator('#operations-articles-get_article');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    t.match(await operation.locator('input[placeholder="id"]').inputValue(), /العدواني/, 'the id is prefilled with a seeded slug');
    await operation.getByRole('button', { name: 'Execute' }).click();
    const status = operation.locator('.live-responses-table .response .response-col_status');
    await status.first().waitFor();
    t.equal((await status.first().textContent())?.trim(), '200', 'the request succeeds');
    t.match(await operation.locator('.live-responses-table .microlight').first().textContent(), /"headline"|"title": "العدواني/);
    t.equal(
      await page
        .locator('.swagger-ui .microlight')
        .first()
        .evaluate((node) => getComputedStyle(node).unicodeBidi),
      'plaintext',
    );
    t.equal(
      await page
        .locator('.swagger-ui .renderedMarkdown p')
        .first()
        .evaluate((node) => getComputedStyle(node).unicodeBidi),
      'plaintext',
    );
    assertSelfContained(t, docs, server.url);
  });

  await t.test('/demo renders the article right to left, links its mentions, shows the meeting card', async (t) => {
    const demo = await watchedPage(context);
    const { page } = demo;
    await page.goto(`${server.url}/demo`);
    await page.waitForSelector('body[data-ready]');
    t.equal(await page.getAttribute('body', 'data-ready'), 'true', (await page.locator('#status').textContent()) ?? '');

    const article = page.locator('article#article');
    t.equal(await article.getAttribute('dir'), 'rtl');
    t.equal(await article.getAttribute('lang'), 'ar');
    t.equal(await article.evaluate((node) => getComputedStyle(node).direction), 'rtl');
    t.match(await page.locator('#headline').textContent(), /^العدواني بحث مع وفد/);
    t.same(await article.locator('h2').allTextContents(), ['تعزيز التعاون الأمني بين الكويت والسعودية', 'أهم المحاور التي تمت مناقشتها']);

    const mentions = article.locator('a.mention');
    for (const target of ['person-علي-العدواني', 'person-صالح-المربع', 'organisation-وزارة-الداخلية-الكويتية', 'organisation-وزارة-الداخلية-السعودية']) {
      t.ok((await page.locator(`a.mention[href="#${target}"]`).count()) > 0, `${target} is linked`);
    }
    t.ok((await page.locator('#headline a.mention').count()) >= 2, "the title's mentions are links too");
    const targets = await mentions.evaluateAll((links) => links.map((a) => Boolean(document.getElementById(decodeURIComponent(new URL((a as HTMLAnchorElement).href).hash.slice(1))))));
    t.ok(targets.every(Boolean), `all ${targets.length} mention links lead to a card`);
    await mentions.filter({ hasText: 'صالح المربع' }).first().click();
    t.equal(await page.locator('.card:target h3').textContent(), 'اللواء صالح المربع', 'following a mention shows the person');

    const meeting = page.locator('.card.meeting');
    const card = (await meeting.textContent()) ?? '';
    for (const text of ['وزارة الداخلية الكويتية', 'علي العدواني', 'صالح المربع', 'مكافحة الإرهاب', 'أمس الأربعاء', 'مقر وزارة الداخلية']) t.match(card, text);
    t.equal(await meeting.locator('dd ul').nth(2).locator('li').count(), 3, 'three outcomes');
    for (const href of await page.locator('.card a.meta').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href))) {
      t.equal((await fetch(href)).status, 200, `${href} answers`);
    }

    mkdirSync(outputDir, { recursive: true });
    const screenshot = join(outputDir, 'demo.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    t.ok(statSync(screenshot).size > 10_000, `screenshot written to ${screenshot}`);
    assertSelfContained(t, demo, server.url);
  });
});
