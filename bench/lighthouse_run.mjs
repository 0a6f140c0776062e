// Runs Lighthouse (the npm package, installed under a project-local prefix) over a list of
// pages in an already running Chromium, in one Node process: accessibility, best practices and
// SEO only. Called by bench/lighthouse_audit.py; prints one JSON line per page.
//
//   node bench/lighthouse_run.mjs PREFIX CHROME_PORT JOBS_JSON
//
// JOBS_JSON: [{"url": "...", "formFactor": "mobile" | "desktop"}, ...]
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [prefix, port, jobsJson] = process.argv.slice(2);
const root = join(prefix, 'node_modules', 'lighthouse', 'core');
const { default: lighthouse } = await import(pathToFileURL(join(root, 'index.js')).href);
const { default: desktop } = await import(pathToFileURL(join(root, 'config', 'desktop-config.js')).href);

const common = {
  onlyCategories: ['accessibility', 'best-practices', 'seo'],
  disableFullPageScreenshot: true,
  // Shorter waits than the defaults: the pages are server-rendered with one small script;
  // none of the three categories measures speed.
  pauseAfterFcpMs: 250, pauseAfterLoadMs: 250, networkQuietThresholdMs: 250, cpuQuietThresholdMs: 250,
};
const configs = {
  mobile: { extends: 'lighthouse:default', settings: { ...common } },
  desktop: { extends: 'lighthouse:default', settings: { ...desktop.settings, ...common } },
};

for (const job of JSON.parse(jobsJson)) {
  const flags = { port: Number(port), logLevel: 'error', output: 'json' };
  try {
    const result = await lighthouse(job.url, flags, configs[job.formFactor]);
    const lhr = result.lhr;
    const scores = {};
    const failing = [];
    for (const [id, category] of Object.entries(lhr.categories)) {
      scores[id] = category.score;
      for (const ref of category.auditRefs) {
        const audit = lhr.audits[ref.id];
        if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
          const items = (audit.details && audit.details.items) || [];
          const where = items.slice(0, 3).map((item) => JSON.stringify(item.node ? item.node.selector || item.node.snippet : item.source || item.url || item.description || item).slice(0, 160));
          failing.push({ category: id, audit: ref.id, title: audit.title, where });
        }
      }
    }
    console.log(JSON.stringify({ ...job, scores, failing, warnings: lhr.runWarnings }));
  } catch (error) {
    console.log(JSON.stringify({ ...job, error: String(error && error.message || error) }));
  }
}
