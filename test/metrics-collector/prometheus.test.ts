import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  parseExposition,
  parseSampleLine,
  parseSelector,
  PrometheusScraper,
  sampleMatches,
} from '../../src/metrics-collector/prometheus/index.js';

describe('Prometheus exposition format', () => {
  it('parses samples with labels, escapes, special values and timestamps; skips comments', () => {
    const text = [
      '# HELP loss Training loss.',
      '# TYPE loss gauge',
      'loss 0.25',
      'loss{phase="val",note="a \\"quoted\\" \\\\ value\\n"} 3.5e-1 1700000000123',
      'accuracy{phase="train"} +Inf',
      'nan_metric NaN',
      'not a sample',
      'broken{phase="val" 1',
      '',
    ].join('\n');
    const { samples, malformedLines } = parseExposition(text);
    expect(malformedLines).toBe(2);
    expect(samples).toEqual([
      { name: 'loss', labels: {}, value: 0.25 },
      {
        name: 'loss',
        labels: { phase: 'val', note: 'a "quoted" \\ value\n' },
        value: 0.35,
        timestampMs: 1700000000123,
      },
      { name: 'accuracy', labels: { phase: 'train' }, value: Infinity },
      { name: 'nan_metric', labels: {}, value: NaN },
    ]);
  });

  it.each(['1loss 2', 'loss', 'loss abc', 'loss 1 2 3', 'loss{=""} 1', 'loss{a="b"c="d"} 1', 'loss 1 1.5'])(
    'refuses %j',
    (line) => expect(parseSampleLine(line)).toBeUndefined(),
  );

  it('selects samples by name and label subset', () => {
    const sel = parseSelector('loss{phase="val"}')!;
    expect(sampleMatches({ name: 'loss', labels: { phase: 'val', run: '1' }, value: 1 }, sel)).toBe(true);
    expect(sampleMatches({ name: 'loss', labels: { phase: 'train' }, value: 1 }, sel)).toBe(false);
    expect(sampleMatches({ name: 'loss', labels: {}, value: 1 }, parseSelector('loss')!)).toBe(true);
    expect(parseSelector('bad name')).toBeUndefined();
  });
});

describe('PrometheusScraper', () => {
  let server: http.Server | undefined;
  afterEach(() => server?.close());

  async function serve(handler: http.RequestListener): Promise<string> {
    server = http.createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  }

  it('reports new values with steps, skips unchanged ones, and survives a failing endpoint', async () => {
    let body = 'loss 0.5\naccuracy{phase="val"} 0.7\naccuracy{phase="train"} 0.9\n';
    let status = 200;
    const url = await serve((req, res) => {
      expect(req.url).toBe('/metrics');
      res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(body);
    });
    const at = new Date('2026-01-01T00:00:00Z');
    const scraper = new PrometheusScraper({
      url,
      metricNames: ['loss', 'accuracy{phase="val"}'],
      now: () => at,
    });
    expect(await scraper.scrape()).toEqual([
      { timeStamp: '2026-01-01T00:00:00.000Z', metricName: 'loss', value: '0.5', step: 1 },
      { timeStamp: '2026-01-01T00:00:00.000Z', metricName: 'accuracy{phase="val"}', value: '0.7', step: 1 },
    ]);
    expect(await scraper.scrape()).toEqual([]);
    body = 'loss 0.25 1767225600500\naccuracy{phase="val"} 0.7\n';
    expect(await scraper.scrape()).toEqual([
      { timeStamp: '2026-01-01T00:00:00.500Z', metricName: 'loss', value: '0.25', step: 2 },
    ]);
    status = 503;
    expect(await scraper.scrape()).toEqual([]);
    expect(scraper.lastProblem).toMatch(/answered 503/);
    status = 200;
    body = 'garbage\n\u0000\u0001\nloss 0.125\n';
    expect((await scraper.scrape()).map((l) => [l.value, l.step])).toEqual([['0.125', 3]]);
    expect(scraper.lastProblem).toBeUndefined();
  });

  it('reports a closed port as a problem, not an exception', async () => {
    const url = await serve((_req, res) => res.end(''));
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const scraper = new PrometheusScraper({ url, metricNames: ['loss'], timeoutMs: 1000 });
    expect(await scraper.scrape()).toEqual([]);
    expect(scraper.lastProblem).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/metrics: /);
  });
});
